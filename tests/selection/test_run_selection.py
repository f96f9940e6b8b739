"""Model selection over a run's per-epoch history: each rule picks the epoch it says, ties go
to the earliest epoch, and the oracle can select on another metric (VisDA's per-class mean)."""

from __future__ import annotations

import pytest

from dalearn.selection import select, summarize

HISTORY = [
    {"epoch": 0, "step": 10, "val/tgt_acc": 0.50, "val/tgt_mean_class_acc": 0.40, "val/src_acc": 0.90},
    {"epoch": 1, "step": 20, "val/tgt_acc": 0.70, "val/tgt_mean_class_acc": 0.45, "val/src_acc": 0.95},
    {"epoch": 2, "step": 30, "val/tgt_acc": 0.60, "val/tgt_mean_class_acc": 0.55, "val/src_acc": 0.95},
    {"epoch": 3, "step": 40, "val/tgt_acc": 0.70, "val/tgt_mean_class_acc": 0.50, "val/src_acc": 0.80},
]


def test_each_rule_picks_its_epoch_and_ties_go_to_the_earliest():
    assert select(HISTORY, "oracle")["epoch"] == 1
    assert select(HISTORY, "src_val")["epoch"] == 1
    assert select(HISTORY, "last")["epoch"] == 3
    assert select(HISTORY, "oracle", oracle_metric="val/tgt_mean_class_acc")["epoch"] == 2


def test_summary_names_the_oracle_metric_and_reports_every_rule():
    summary = summarize(HISTORY, "oracle", oracle_metric="val/tgt_mean_class_acc")
    assert summary["oracle_metric"] == "val/tgt_mean_class_acc"
    assert (summary["epoch"], summary["tgt_mean_class_acc"], summary["tgt_acc"]) == (2, 0.55, 0.60)
    assert {rule: record["epoch"] for rule, record in summary["by_selection"].items()} == {
        "oracle": 2,
        "src_val": 1,
        "last": 3,
    }


def test_source_validation_without_a_source_split_is_refused():
    history = [{k: v for k, v in record.items() if k != "val/src_acc"} for record in HISTORY]
    assert "src_val" not in summarize(history, "last")["by_selection"]
    with pytest.raises(ValueError, match="set data.source_holdout > 0"):
        select(history, "src_val")
    with pytest.raises(ValueError, match="unknown selection rule 'best'"):
        select(HISTORY, "best")
