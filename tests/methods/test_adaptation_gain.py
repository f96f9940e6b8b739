"""Domain adaptation actually adapts: on a real offline shift (scikit-learn's digits → the
same digits rotated, lower-contrast and noisy), DANN beats Source-Only on held-out target
images by a clear margin, averaged over seeds.

Both train for half the default budget (10 epochs × 50 iterations, LeNet from scratch: the
schedules keep their shape) and are judged at the epoch chosen on the held-out *source* split
(``selection=src_val``: no target label chooses anything; the last epoch is not used because
adversarial training can dip at any epoch — one of the benchmark's DANN seeds lost 20 points in
its final epoch). The target numbers are measured on the digits test split, 539 images that no
run trains on. Measured with this budget: DANN − Source-Only = 5.0 and 1.9 points on seeds 0
and 1 (4.5 on seed 2), so the mean of seeds 0 and 1 is 3.4; the test asks for 2. With the full
budget the committed offline benchmark (benchmarks/RESULTS.md) measured 5.3 points (3 seeds).
DANN without its adversary (``method.trade_off=0``, same budget) gains 1.1 and 1.7 points
(mean 1.4): it fails the test.
"""

from __future__ import annotations

import statistics

import pytest

from dalearn.run.training import train

SEEDS = (0, 1)
MARGIN = 0.02
#: half the default 100 iterations per epoch (the test's running time; see the module doc).
BUDGET = ["data.iters_per_epoch=50"]


def _target_accuracy(train_cfg, method: str, seed: int) -> float:
    cfg = train_cfg(
        [
            f"method={method}",
            "data.task=clean2drift",
            "selection=src_val",
            f"seed={seed}",
            "trainer.enable_progress_bar=false",
            "cpu_threads=1",
            *BUDGET,
        ],
        name=f"{method}-{seed}",
        fast=False,
    )
    metrics, objects = train(cfg)
    datamodule = objects["datamodule"]
    assert metrics["selection"] == "src_val" and len(metrics["history"]) == cfg.trainer.max_epochs
    assert datamodule.target["test"] is not datamodule.target["train"]
    assert len(datamodule.target["test"]) == 539
    return metrics["tgt_acc"]


@pytest.mark.slow
@pytest.mark.xdist_group("adaptation_gain")
@pytest.mark.timeout(1200)  # four trainings of 10 epochs × 50 iterations
def test_dann_beats_source_only_on_held_out_target_digits(train_cfg):
    source_only = [_target_accuracy(train_cfg, "source_only", seed) for seed in SEEDS]
    dann = [_target_accuracy(train_cfg, "dann", seed) for seed in SEEDS]
    gain = statistics.mean(dann) - statistics.mean(source_only)
    assert gain >= MARGIN, f"DANN {dann} vs Source-Only {source_only}: gain {gain:.3f} < {MARGIN}"
