"""benchmarks/methods_by_learning_rate.py: per task, method and learning rate, the mean over the
seeds of the target accuracy each rule's epoch has, a rule the run lacks as '–', and the
collapse-flagged epochs counted."""

from __future__ import annotations

import json
from pathlib import Path

from benchmark_scripts import load_benchmark


def write_run(root: Path, method: str, seed: int, lr: float, accuracies: dict, flags: list[int]) -> None:
    run = root / "digits_clean2drift" / method / f"seed{seed}-{abs(hash((method, seed, lr))) % 10**8:08d}"
    run.mkdir(parents=True)
    (run / "config.yaml").write_text(f"optim:\n  lr: {lr}\n")
    history = [{"epoch": i, "val/collapse/flag": float(flag)} for i, flag in enumerate(flags)]
    by_selection = {rule: {"tgt_acc": value} for rule, value in accuracies.items()}
    (run / "metrics.json").write_text(json.dumps({"by_selection": by_selection, "history": history}))


def test_means_over_seeds_missing_rules_and_flagged_epochs(tmp_path, capsys):
    write_run(tmp_path, "dann", 0, 0.01, {"src_val": 0.80, "ima": 0.9, "last": 0.7, "oracle": 0.95}, [0, 1])
    write_run(tmp_path, "dann", 1, 0.01, {"src_val": 0.90, "ima": 0.8, "last": 0.7, "oracle": 0.97}, [1, 1])
    write_run(tmp_path, "shot", 0, 0.03, {"ima": 0.5, "last": 0.4, "oracle": 0.6}, [0])
    assert load_benchmark("methods_by_learning_rate").main([str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("digits_clean2drift:")
    assert lines[3].split() == ["dann", "0.01", "85.0", "85.0", "70.0", "96.0", "2", "3"]
    assert lines[4].split() == ["shot", "0.03", "–", "50.0", "40.0", "60.0", "1", "0"]
