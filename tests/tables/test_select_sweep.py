"""``dalearn-select``: per task, every checkpoint of a fake sweep with known scores and
accuracies is ranked; the pick, the oracle, the regret and the weighted Spearman are checked
exactly, on a hand-made sweep and on 200 generated runs; a sweep without target labels still
gets its picks; a score nobody recorded is refused with the scores that were."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from fake_checkpoints import write_run

from dalearn.cli.select import main
from dalearn.selection.weighted_spearman import weighted_spearman
from dalearn.tables.sweep_selection import rank_sweep


@pytest.fixture
def sweep(tmp_path) -> Path:
    root = tmp_path / "sweep"
    # digits: the ima pick is dann lr 0.03 epoch 1 (score 0.9, acc 0.80); the oracle is dan epoch 2 (0.90).
    write_run(root, "digits", "dann", 0.01, 0, {"ima": [0.1, 0.5, 0.6], "src_acc": [0.5, 0.7, 0.9]}, [0.50, 0.70, 0.75])
    write_run(root, "digits", "dann", 0.03, 0, {"ima": [0.2, 0.9, 0.4], "src_acc": [0.6, 0.8, 0.7]}, [0.60, 0.80, 0.65])
    write_run(root, "digits", "dan", 0.01, 0, {"ima": [0.3, 0.4, 0.7], "src_acc": [0.4, 0.6, 0.8]}, [0.55, 0.85, 0.90])
    # fashion_mnist: ima follows the accuracy exactly (pick = oracle, ρ = 1).
    write_run(root, "fashion_mnist", "dann", 0.01, 0, {"ima": [0.1, 0.2], "src_acc": [0.9, 0.8]}, [0.40, 0.45])
    write_run(root, "fashion_mnist", "dan", 0.01, 0, {"ima": [0.3, 0.4], "src_acc": [0.7, 0.6]}, [0.50, 0.55])
    return root


def test_the_pick_the_oracle_the_regret_and_the_correlation_per_task(sweep):
    result = rank_sweep(sweep, ["ima", "src_val", "oracle", "last"])
    digits, fashion = result.choices["ima"]
    assert (digits.label, digits.pick.run.method, digits.pick.run.identity["optim"]["lr"], digits.pick.epoch) == (
        "Digits → Digits-drift",
        "dann",
        0.03,
        1,
    )
    assert digits.pick_accuracy == pytest.approx(0.80)
    assert (digits.oracle.run.method, digits.oracle.epoch, digits.oracle.accuracy) == ("dan", 2, 0.90)
    assert digits.regret == pytest.approx(10.0)
    expected = weighted_spearman(
        [0.1, 0.5, 0.6, 0.3, 0.4, 0.7, 0.2, 0.9, 0.4], [0.50, 0.70, 0.75, 0.55, 0.85, 0.90, 0.60, 0.80, 0.65]
    )
    assert digits.checkpoints == 9 and digits.correlation == pytest.approx(expected, abs=1e-12)
    assert fashion.regret == pytest.approx(0.0) and fashion.correlation == pytest.approx(1.0)
    # src_val ranks by val/src_acc: digits' best is dann lr 0.01 epoch 2 (0.9 → acc 0.75); fashion's dann epoch 0.
    src_digits, src_fashion = result.choices["src_val"]
    assert (src_digits.pick.epoch, src_digits.regret) == (2, pytest.approx(15.0))
    assert src_fashion.regret == pytest.approx(15.0)
    assert [c.regret for c in result.choices["oracle"]] == [0.0, 0.0]
    # last: every run's final epoch ties; the pick's accuracy is their mean.
    last_digits = result.choices["last"][0]
    assert last_digits.tied == 3 and last_digits.pick_accuracy == pytest.approx((0.75 + 0.65 + 0.90) / 3)


def test_the_command_writes_tables_a_plot_and_the_report(sweep, tmp_path, capsys):
    report = tmp_path / "report.md"
    assert main([str(sweep), "--by", "ima,src_val", "--report", str(report)]) == 0
    out = sweep / "selection"
    expected = {"ima.md", "ima.csv", "ima.png", "src_val.md", "summary.md", "summary.csv"}
    assert {p.name for p in out.iterdir()} >= expected
    rows = list(csv.reader((out / "ima.csv").open()))
    header, digits, _, average = rows
    row = dict(zip(header, digits))
    assert row["pick: run directory"].startswith("digits_clean2drift/dann/seed0-") and row["epoch"] == "1"
    assert row["config"] == "method=dann, optim.lr=0.03"
    assert (row["pick acc (%)"], row["oracle acc (%)"], row["regret (points)"]) == ("80.0", "90.0", "10.0")
    assert row["weights"] == "checkpoints/best.ckpt (selection=oracle)"  # that run selected epoch 1 itself
    assert dict(zip(header, average))["regret (points)"] == "5.0"
    summary = (out / "summary.md").read_text()
    assert "| ima | 5.0 | 10.0 | 0.0 |" in summary and "| src_val | 15.0 | 15.0 | 15.0 |" in summary
    text = report.read_text()
    assert text.startswith("## Label-free selection") and "dalearn-select" in text and "Machine:" in text
    assert "| ima | 5.0 |" in capsys.readouterr().out


def test_a_picks_config_leaves_out_the_keys_of_other_methods(tmp_path):
    root = tmp_path / "mixed"
    write_run(root, "digits", "dann", 0.01, 0, {"ima": [0.1, 0.9]}, [0.5, 0.8], method_keys={"grl_hi": 1.0})
    write_run(root, "digits", "mcd", 0.01, 0, {"ima": [0.2, 0.3]}, [0.6, 0.7], method_keys={"num_k": 2})
    write_run(root, "digits", "mcd", 0.03, 0, {"ima": [0.2, 0.4]}, [0.6, 0.7], method_keys={"num_k": 4})
    assert main([str(root), "--by", "ima", "--quiet"]) == 0
    header, digits, *_ = list(csv.reader((root / "selection" / "ima.csv").open()))
    assert dict(zip(header, digits))["config"] == "method=dann, method.grl_hi=1.0, optim.lr=0.01"


def test_without_target_labels_it_still_picks(tmp_path):
    root = tmp_path / "unlabelled"
    write_run(root, "digits", "dann", 0.01, 0, {"ima": [0.1, 0.5]}, None)
    write_run(root, "digits", "dann", 0.03, 0, {"ima": [0.7, 0.2]}, None)
    (choice,) = rank_sweep(root, ["ima"]).choices["ima"]
    assert (choice.pick.run.identity["optim"]["lr"], choice.pick.epoch) == (0.03, 0)
    assert choice.regret is None and choice.correlation is None and choice.oracle is None
    assert main([str(root), "--by", "ima", "--quiet"]) == 0
    assert "| Digits → Digits-drift | 4 |" in (root / "selection" / "ima.md").read_text()
    assert not (root / "selection" / "ima.png").exists()


def test_a_score_no_run_recorded_is_refused_with_the_recorded_ones(sweep, capsys):
    assert main([str(sweep), "--by", "dev", "--quiet"]) == 2
    error = capsys.readouterr().err
    assert "--by dev: not recorded by every checkpoint" in error and "oracle, src_val, last, ima, src_acc" in error


def test_two_hundred_runs_are_ranked_exactly(tmp_path):
    rng = np.random.default_rng(0)
    root = tmp_path / "big"
    scores, accuracies = [], []
    for index in range(200):
        dataset = "digits" if index % 2 == 0 else "fashion_mnist"
        ima, acc = np.round(rng.random(3), 6), np.round(rng.random(3), 6)
        write_run(root, dataset, "dann", 0.001 * (index + 1), index % 3, {"ima": ima}, acc, trade_off=float(index))
        if dataset == "digits":
            scores += list(ima)
            accuracies += list(acc)
    result = rank_sweep(root, ["ima"])
    digits = result.choices["ima"][0]
    scores, accuracies = np.array(scores), np.array(accuracies)
    assert digits.checkpoints == 300
    assert digits.pick.scores["ima"] == scores.max()
    assert digits.regret == pytest.approx(100 * (accuracies.max() - accuracies[np.argmax(scores)]), abs=1e-9)
    assert digits.correlation == pytest.approx(weighted_spearman(scores, accuracies), abs=1e-12)
