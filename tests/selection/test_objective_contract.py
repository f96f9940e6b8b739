"""What a run returns to a Hydra sweeper: the objective rule's score at the epoch it picks —
the selection rule's by default, ATC's when the selection rule is oracle or last, the target
accuracy only for objective=oracle; a rule the run cannot return is refused before training."""

from __future__ import annotations

import math

import pytest
from omegaconf import OmegaConf

from dalearn.run.selection import check_objective
from dalearn.selection import objective_value

HISTORY = [
    {"epoch": 0, "step": 1, "val/tgt_acc": 0.9, "val/src_acc": 0.7, "val/score/ima": 0.5, "val/est/atc": 0.60},
    {"epoch": 1, "step": 2, "val/tgt_acc": 0.5, "val/src_acc": 0.8, "val/score/ima": 0.9, "val/est/atc": 0.55},
]


def metrics(selection):
    return {"selection": selection, "oracle_metric": "val/tgt_acc", "history": HISTORY}


@pytest.mark.parametrize(
    ("selection", "objective", "expected"),
    [
        ("ima", "selection", 0.9),
        ("src_val", "selection", 0.8),
        ("oracle", "selection", 0.60),  # ATC's score at ATC's pick, not the target accuracy
        ("last", "selection", 0.60),
        ("oracle", "ima", 0.9),
        ("ima", "atc", 0.60),
        ("ima", "oracle", 0.9),  # only when asked by name
    ],
)
def test_the_value_returned(selection, objective, expected):
    value, words = objective_value(metrics(selection), objective)
    assert value == pytest.approx(expected)
    assert ("target labels" in words) == (objective == "oracle")


def test_the_default_never_stops_a_run_without_a_score_but_a_named_one_does():
    unscored = {"selection": "oracle", "history": [{k: v for k, v in r.items() if k != "val/est/atc"} for r in HISTORY]}
    value, words = objective_value(unscored, "selection")
    assert math.isnan(value) and "not recorded" in words
    with pytest.raises(ValueError, match="selection=atc needs 'val/est/atc'"):
        objective_value(unscored, "atc")


def cfg(objective, holdout=0.1, callbacks=None):
    return OmegaConf.create(
        {
            "objective": objective,
            "selection": {"rule": "oracle"},
            "data": {"source_holdout": holdout},
            "validators": [],
            "callbacks": callbacks if callbacks is not None else {"mixval": {"subset": 8}},
        }
    )


def test_objectives_a_run_cannot_return_are_refused_before_training():
    check_objective(cfg("selection", holdout=0.0))
    check_objective(cfg("ima", holdout=0.0))
    with pytest.raises(ValueError, match="objective=atc needs the labelled source hold-out"):
        check_objective(cfg("atc", holdout=0.0))
    with pytest.raises(ValueError, match="objective=ensv ranks a whole sweep"):
        check_objective(cfg("ensv"))
    with pytest.raises(ValueError, match="objective=last is an epoch number"):
        check_objective(cfg("last"))
    with pytest.raises(ValueError, match="mixval callback"):
        check_objective(cfg("mixval", callbacks={"mixval": None}))
    with pytest.raises(ValueError, match="unknown selection rule 'accuracy'"):
        check_objective(cfg("accuracy"))
