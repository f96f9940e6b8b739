"""benchmarks/collapse_evidence.py reads run directories' per-epoch collapse diagnostics, calls
each epoch healthy / in between / collapsed against the task's Source-Only src_val pick, and
recomputes the flag under the thresholds it is given."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from benchmark_scripts import load_benchmark


def write_run(root: Path, method: str, accuracies: list[float], diagnostics: list[dict], src_val: float) -> None:
    run = root / "digits_clean2strongdrift" / method / "seed0-abc"
    run.mkdir(parents=True)
    (run / "config.yaml").write_text(f"method:\n  name: {method}\n")
    history = [
        {"epoch": e, "val/tgt_acc": a, **{f"val/collapse/{k}": v for k, v in d.items()}}
        for e, (a, d) in enumerate(zip(accuracies, diagnostics))
    ]
    (run / "metrics.json").write_text(
        json.dumps(
            {
                "history": history,
                "by_selection": {
                    "src_val": {"tgt_acc": src_val},
                    "last": {"tgt_acc": accuracies[-1]},
                    "oracle": {"tgt_acc": max(accuracies)},
                },
            }
        )
    )


def test_states_and_recomputed_flags(tmp_path):
    spread = {"mean_entropy_ratio": 0.9, "top_share_ratio": 2.0, "top_share": 0.2, "flag": 1.0}
    write_run(tmp_path, "source_only", [0.35, 0.36], [spread, spread], 0.35)
    collapsed = {"mean_entropy_ratio": 0.1, "top_share_ratio": 9.5, "top_share": 0.95, "agreement": 0.3, "kappa": 0.0}
    write_run(
        tmp_path,
        "self_training",
        [0.50, 0.30, 0.12],
        [spread | {"kappa": 0.3}, spread | {"kappa": 0.2}, collapsed],
        0.5,
    )
    out = tmp_path / "evidence"
    assert (
        load_benchmark("collapse_evidence").main([str(tmp_path), "--out", str(out), "--max-top-share-ratio", "7"]) == 0
    )
    rows = list(csv.DictReader((out / "epochs.csv").open()))
    states = {(r["method"], r["epoch"]): (r["state"], r["flag"]) for r in rows}
    # Source-Only 35 %: 50 % healthy, 30 % in between (more than 2 below), 12 % collapsed (more than 10 below)
    assert states[("self_training", "0")] == ("healthy", "0.0")
    assert states[("self_training", "1")] == ("in between", "0.0")
    assert states[("self_training", "2")] == ("collapsed", "1.0")
    assert states[("source_only", "0")] == ("healthy", "0.0")  # recorded 1.0, recomputed under these thresholds
    text = (out / "evidence.md").read_text()
    assert "| kappa | collapsed | 1 | 0.000 | 0.000 |" in text
    assert "top_share_ratio > 7" in text
    assert "| digits_clean2strongdrift | self_training | 50.0 | 12.0 | 50.0 | 12.0–50.0 |" in text
