"""The collapse contract, on synthetic histories: an epoch whose record has
``val/collapse/flag`` = 1 is never picked — by a run's own epoch pick (metrics.json) or by the
sweep ranking — while an unflagged candidate exists, whatever rule ranks; when every candidate
is flagged the rule decides among them; the oracle (the measuring stick) ignores the flag."""

from __future__ import annotations

import math

import pytest

from dalearn.selection import COLLAPSE_FLAG, pick_index, summarize
from dalearn.selection.candidates import checkpoint_of
from dalearn.selection.sweep_ranking import choose


def record(epoch, acc, ima, src, atc, flag=None):
    out = {
        "epoch": epoch,
        "step": 10 * (epoch + 1),
        "val/tgt_acc": acc,
        "val/tgt_mean_class_acc": acc,
        "val/src_acc": src,
        "val/score/ima": ima,
        "val/score/mixval": ima / 2,
        "val/est/atc": atc,
    }
    if flag is not None:
        out[COLLAPSE_FLAG] = flag
    return out


# A collapsed epoch 2: the most confident (ima), the best on the source hold-out and the highest
# ATC estimate, and the latest but one; the flag is written at epochs 2 and 3.
HISTORY = [
    record(0, 0.60, 0.10, 0.80, 0.55, 0),
    record(1, 0.70, 0.20, 0.85, 0.65, 0),
    record(2, 0.12, 0.90, 0.99, 0.95, 1),
    record(3, 0.13, 0.95, 0.99, 0.97, 1.0),
]


@pytest.mark.parametrize("rule", ["ima", "mixval", "src_val", "atc", "last"])
def test_a_run_never_picks_a_flagged_epoch_while_an_unflagged_one_exists(rule):
    assert pick_index(HISTORY, rule) == 1
    summary = summarize(HISTORY, rule)
    assert summary["epoch"] == 1 and summary["by_selection"][rule]["epoch"] == 1


def test_the_flag_is_reported_and_the_oracle_ignores_it():
    history = [dict(r) for r in HISTORY]
    history[2]["val/tgt_acc"] = 0.99  # a flagged epoch that truly is the best
    summary = summarize(history, "ima")
    assert summary["by_selection"]["oracle"]["epoch"] == 2 and summary["by_selection"]["oracle"]["collapse_flag"] == 1
    assert summary["collapse_flag"] == 0


def test_when_every_epoch_is_flagged_the_rule_decides_among_them():
    flagged = [dict(r, **{COLLAPSE_FLAG: 1}) for r in HISTORY]
    assert pick_index(flagged, "ima") == 3 and pick_index(flagged, "src_val") == 2  # tie 0.99: the earliest


def test_a_record_without_the_key_counts_as_unflagged_and_other_values_do_not_flag():
    history = [dict(r) for r in HISTORY]
    del history[3][COLLAPSE_FLAG]
    assert pick_index(history, "ima") == 3
    history[3][COLLAPSE_FLAG] = 0.5
    assert pick_index(history, "ima") == 3


class FakeRun:
    def __init__(self, name, seed=0):
        self.path, self.method, self.seed, self.identity = name, name, seed, {}


def pool(histories):
    return [
        checkpoint_of(FakeRun(name), rec, task=("digits", "clean2drift", "digits_clean2drift"))
        for name, history in histories.items()
        for rec in history
    ]


def test_the_sweep_ranking_never_picks_a_flagged_checkpoint_while_an_unflagged_one_exists():
    healthy = [record(0, 0.50, 0.30, 0.90, 0.50, 0), record(1, 0.66, 0.40, 0.91, 0.60, 0)]
    checkpoints = pool({"collapsed": HISTORY[2:], "dann": healthy, "old": [record(0, 0.55, 0.35, 0.9, 0.5)]})
    for rule in ("ima", "mixval", "src_val", "atc", "last"):
        choice = choose(checkpoints, rule, "Digits")
        assert not choice.pick.flagged and choice.excluded_flagged == 2, rule
    ima = choose(checkpoints, "ima", "Digits")
    assert (ima.pick.run.method, ima.pick.epoch) == ("dann", 1)
    assert ima.regret == pytest.approx(0.0) and ima.bottom_half is False
    oracle = choose(checkpoints, "oracle", "Digits")
    assert oracle.excluded_flagged == 0


def test_the_sweep_ranking_falls_back_to_all_when_every_candidate_is_flagged():
    checkpoints = pool({"collapsed": HISTORY[2:]})
    choice = choose(checkpoints, "ima", "Digits")
    assert choice.pick.epoch == 3 and choice.excluded_flagged == 0
    assert math.isclose(choice.pick_accuracy, 0.13)
