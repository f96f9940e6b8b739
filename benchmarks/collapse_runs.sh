#!/bin/bash
# The runs behind benchmarks/RESULTS.md "A harder shift" and benchmarks/results/collapse/:
# one seed (0), one process at a time, one CPU thread each, the default offline budget, every
# run but Source-Only with the agreement against that task's Source-Only run. Then
#   python benchmarks/collapse_evidence.py outputs/collapse/runs --out benchmarks/results/collapse
# Usage: benchmarks/collapse_runs.sh [output root, default outputs/collapse]
set -u
cd "$(dirname "$0")/.."
OUT=${1:-outputs/collapse}
REF='collapse.reference_ckpt=${paths.output_root}/runs/${data.name}/source_only/seed${seed}-*'
run() {  # <experiment> <data> [overrides...]
  local experiment=$1 data=$2
  shift 2
  .venv/bin/dalearn-train "experiment=offline/$experiment" "data=offline/$data" seed=0 cpu_threads=1 \
    trainer.enable_progress_bar=false "paths.output_root=$OUT" "$@" || echo "FAILED: $experiment $data $*" >&2
}
STRONG=digits_clean2strongdrift
# the Source-Only references first (the other runs compare with them)
run source_only $STRONG
run source_only fashion_mnist_clean2m
run source_only digits_clean2drift
# self-training's collapse protections on the hard task and on Fashion-MNIST -> -M
for method in self_training self_training_svhn; do
  for protection in none distribution_alignment class_balance diversity; do
    run $method $STRONG method.collapse_protection=$protection "$REF"
  done
done
for protection in none distribution_alignment; do
  run self_training_svhn fashion_mnist_clean2m method.collapse_protection=$protection "$REF"
done
# every other method on the hard task
for method in dann dan jan cdan mcd mdd mcc bnm afn cdan_mcc dann_mcc dann_bsp mdd_bnm mcd_mcc shot_source; do
  run $method $STRONG "$REF"
done
# CDAN+BSP has no offline recipe row: the same groups the recipes use (LeNet, the CPU trainer)
.venv/bin/dalearn-train method=cdan_bsp backbone=lenet trainer=cpu data=offline/$STRONG seed=0 cpu_threads=1 \
  trainer.enable_progress_bar=false "paths.output_root=$OUT" "$REF"
run shot $STRONG "$REF" 'method.source_ckpt=${paths.output_root}/runs/${data.name}/shot_source/seed${seed}-*/checkpoints/last.ckpt'
# collapsed runs: self-training pushed hard (threshold 0.5, trade-off 3), unprotected and protected;
# and AFN with a strong entropy term
for method in self_training self_training_svhn; do
  for protection in none distribution_alignment; do
    run $method $STRONG method.collapse_protection=$protection method.threshold=0.5 method.trade_off=3 "$REF"
  done
done
run afn $STRONG method.entropy_weight=1.0 "$REF"
# the protection on the existing tasks
for method in self_training self_training_svhn; do
  for protection in none distribution_alignment; do
    run $method digits_clean2drift method.collapse_protection=$protection "$REF"
  done
done
run self_training fashion_mnist_clean2m method.collapse_protection=distribution_alignment "$REF"
