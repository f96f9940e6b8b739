"""benchmarks/method_histories.py records a method's per-epoch history and per-iteration
train values, and --compare tells an identical recording from a changed one."""

from __future__ import annotations

import json

import pytest
from benchmark_scripts import load_benchmark


@pytest.mark.slow
def test_a_recording_compares_equal_to_itself_and_unequal_to_a_changed_one(tmp_path):
    histories = load_benchmark("method_histories")
    first = tmp_path / "first.json"
    assert histories.main(["--out", str(first), "--methods", "source_only"]) == 0
    recorded = json.loads(first.read_text())["source_only"]
    assert [record["epoch"] for record in recorded["history"]] == [0, 1]
    assert [step for step, _ in recorded["train"]["train/loss"]] == list(range(12))
    again = tmp_path / "again.json"
    assert histories.main(["--out", str(again), "--methods", "source_only", "--compare", str(first)]) == 0
    changed = json.loads(first.read_text())
    changed["source_only"]["history"][1]["val/tgt_acc"] += 1e-9
    first.write_text(json.dumps(changed))
    assert histories.main(["--out", str(again), "--methods", "source_only", "--compare", str(first)]) == 1
