"""``dalearn-select --by ensv,mixval`` on a fake sweep whose runs stored their target
predictions: EnsV's pick is the hand-computed one, every pick shows its ATC estimate, and the
runs it cannot rank are listed with the reason — unfinished, finished without a history,
without stored predictions, predictions on another target set. Tasks are told apart by the
task identity each run records (two data configs of one family are two tasks); ``--per-seed``
makes one pool per task and seed with the worst regret over the seeds."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from dalearn.cli.select import main
from dalearn.selection.predictions import Predictions, write_predictions
from dalearn.tables.sweep_selection import rank_sweep


def write_run(sweep, name, seed, accuracies, mixval, probs=None, data_name="digits_clean2drift", done=True, rows=4):
    path = sweep / data_name / name / f"seed{seed}-{abs(hash((name, data_name))) % 10**8:08d}"
    path.mkdir(parents=True)
    cfg = {
        "data": {"name": data_name, "task": "clean2drift", "source_domain": "clean", "target_domain": "drift"},
        "method": {"name": name, "trade_off": 1.0},
        "optim": {"lr": 0.01},
        "seed": seed,
    }
    (path / "config.yaml").write_text(yaml.safe_dump(cfg))
    if not done:
        return path
    history = [
        {
            "epoch": e,
            "step": e + 1,
            "test/tgt_acc": acc,
            "test/tgt_mean_class_acc": acc,
            "val/score/mixval": mix,
            "val/est/atc": acc - 0.02,
        }
        for e, (acc, mix) in enumerate(zip(accuracies, mixval))
    ]
    (path / "metrics.json").write_text(
        json.dumps({"selection": "oracle", "epoch": 0, "history": history, "by_selection": {}})
    )
    (path / "done").write_text("complete\n")
    if probs is not None:
        write_predictions(
            path / "predictions.npz",
            Predictions(probs=np.array(probs), epochs=np.arange(len(probs)), rows=np.arange(rows)),
        )
    return path


# Image labels of the ensemble below: [0, 1, 1, 0].
A = [[0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.8, 0.2]]  # agrees 4/4
B = [[0.6, 0.4], [0.6, 0.4], [0.4, 0.6], [0.6, 0.4]]  # 3/4
C = [[0.4, 0.6], [0.3, 0.7], [0.2, 0.8], [0.7, 0.3]]  # 3/4


@pytest.fixture
def sweep(tmp_path) -> Path:
    root = tmp_path / "sweep"
    write_run(root, "dann", 0, [0.80, 0.90], [0.5, 0.6], probs=[C, A])
    write_run(root, "mcc", 0, [0.85], [0.9], probs=[B])
    write_run(root, "bnm", 0, [0.70], [0.3])  # no predictions.npz
    write_run(root, "afn", 0, [0.60], [0.1], probs=[[[0.5, 0.5]] * 6], rows=6)  # another target set
    write_run(root, "jan", 0, [], [])  # finished, no history
    write_run(root, "cdan", 0, [0.9], [0.9], done=False)  # unfinished
    write_run(root, "dann", 0, [0.4], [0.2], probs=[A], data_name="digits_clean2strongdrift")
    return root


def test_ensv_mixval_and_the_runs_left_out(sweep, capsys):
    assert main([str(sweep), "--by", "ensv,mixval", "--no-plot"]) == 0
    captured = capsys.readouterr()
    out = captured.out + captured.err  # the tables on stdout, the [dalearn] messages on stderr
    rows = {r["task"]: r for r in csv.DictReader((sweep / "selection" / "ensv.csv").open())}
    assert len(rows) == 3  # two tasks and the average: the strong-drift data is a task of its own
    drift = next(r for k, r in rows.items() if k != "Avg" and r["checkpoints"].startswith("3"))
    assert drift["pick: run directory"].startswith("digits_clean2drift/dann/") and drift["epoch"] == "1"
    assert drift["regret (points)"] == "0.0" and drift["estimated acc, ATC (%)"] == "88.0"
    mixval = {r["task"]: r for r in csv.DictReader((sweep / "selection" / "mixval.csv").open())}
    assert any(r["pick: run directory"].startswith("digits_clean2drift/mcc/") for r in mixval.values())
    left_out = [line for line in out.splitlines() if "left out" in line]
    reasons = " ".join(left_out)
    assert "cdan" in reasons and "unfinished" in reasons
    assert "jan" in reasons and "without an evaluation history" in reasons
    assert "bnm" in reasons and "no stored target predictions" in reasons
    assert "afn" in reasons and "different task" in reasons
    assert "estimated target accuracy 88 % (ATC, no target label used)" in out


def test_per_seed_pools_and_the_worst_regret(tmp_path):
    root = tmp_path / "seeds"
    for seed, (good, bad) in enumerate([(0.9, 0.5), (0.8, 0.6)]):
        write_run(root, "dann", seed, [good], [0.1 + seed])  # mixval prefers …
        write_run(root, "mcc", seed, [bad], [0.5 + seed])  # … the worse run in both seeds
    result = rank_sweep(root, ["mixval"], per_seed=True)
    choices = result.choices["mixval"]
    assert [c.seed for c in choices] == [0, 1]
    assert [round(c.regret, 6) for c in choices] == [40.0, 20.0]
    assert all(c.bottom_half for c in choices)
    summary = root / "x.md"
    assert main([str(root), "--by", "mixval", "--per-seed", "--quiet", "--no-plot", "--report", str(summary)]) == 0
    text = summary.read_text()
    assert "| mixval | 30.0 | 30.0 |" in text  # mean regret over the two seeds
    assert "| mixval | 40.0 | 40.0 |" in text  # worst regret
    assert "| mixval | 2/2 | 2/2 |" in text  # picks in the bottom half
    assert "| atc | 2.0 | 2.0 |" in text  # the estimate's mean absolute error, points


def test_the_atc_error_of_each_rule_s_pick(tmp_path):
    root = tmp_path / "estimates"
    write_run(root, "dann", 0, [0.9, 0.5], [0.1, 0.9])  # mixval picks epoch 1: acc 0.5, ATC 0.48
    result = rank_sweep(root, ["mixval", "oracle"])
    from dalearn.tables.select_report import pick_estimate_error, summary_markdown

    mixval, oracle = result.choices["mixval"][0], result.choices["oracle"][0]
    assert pick_estimate_error(mixval) == pytest.approx(2.0) and pick_estimate_error(oracle) == pytest.approx(2.0)
    assert "mean |estimate − target accuracy| over the pools" in summary_markdown(result.choices, root, result.by_task)
