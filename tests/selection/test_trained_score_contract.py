"""A score never picks a checkpoint of a method whose loss maximises it (``trains_on``) while
another candidate is eligible: SHOT's information maximisation tops ``ima`` whatever its
accuracy. Honoured by the sweep ranking; other rules, and the oracle, still see those
checkpoints. (The methods' declarations: tests/methods/test_regularizers.py; the record read
from ``metrics.json``: tests/tables/test_trains_on_record.py.)"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from dalearn.selection.candidates import checkpoint_of
from dalearn.selection.sweep_ranking import choose

TASK = ("digits", "clean2drift", "digits_clean2drift")


def record(epoch, acc, ima, src):
    return {
        "epoch": epoch,
        "step": epoch + 1,
        "val/tgt_acc": acc,
        "val/tgt_mean_class_acc": acc,
        "val/score/ima": ima,
        "val/score/snd": ima,
        "val/src_acc": src,
    }


def candidates(trains_on):
    """SHOT-like run (the most confident, the least accurate) beside an honest DANN run."""
    shot = SimpleNamespace(path="shot", method="shot")
    dann = SimpleNamespace(path="dann", method="dann")
    return [
        checkpoint_of(shot, record(0, 0.40, 0.95, 0.50), TASK, trains_on=trains_on),
        checkpoint_of(shot, record(1, 0.38, 0.99, 0.50), TASK, trains_on=trains_on),
        checkpoint_of(dann, record(0, 0.60, 0.30, 0.90), TASK),
        checkpoint_of(dann, record(1, 0.70, 0.50, 0.95), TASK),
    ]


def test_a_score_does_not_pick_the_method_that_trains_on_it():
    choice = choose(candidates(["entropy", "ima", "bnm"]), "ima", "Digits")
    assert (choice.pick.run.method, choice.pick.epoch) == ("dann", 1)
    assert choice.excluded_trains_on == 2 and choice.excluded_flagged == 0
    assert choice.regret == pytest.approx(0.0)


def test_without_the_record_the_confident_method_wins_and_other_rules_still_see_it():
    assert choose(candidates(()), "ima", "Digits").pick.run.method == "shot"  # the failure the contract prevents
    snd = choose(candidates(["ima"]), "snd", "Digits")  # snd is not what this run trains on
    assert snd.pick.run.method == "shot" and snd.excluded_trains_on == 0
    oracle = choose(candidates(["ima"]), "oracle", "Digits")
    assert oracle.pick.run.method == "dann" and oracle.excluded_trains_on == 0


def test_when_every_candidate_trains_on_the_score_the_rule_decides_among_them():
    only_shot = candidates(["ima"])[:2]
    choice = choose(only_shot, "ima", "Digits")
    assert choice.pick.epoch == 1 and choice.excluded_trains_on == 0
