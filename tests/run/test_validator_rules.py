"""Selection by a validator's recorded score: ``selection=<validator>`` picks the epoch with
the best ``val/score/<name>``, ``by_selection`` has one entry per recorded validator, a score
the run did not record is named with those it did, every validator has its selection config
(which names only the rule: the rule object knows its key), and a rule that needs a source hold-out is
refused before training when there is none."""

from __future__ import annotations

from pathlib import Path

import pytest
from omegaconf import OmegaConf

from dalearn.run.config import CONFIG_DIR
from dalearn.run.selection import check_validators, validator_names
from dalearn.run.training import check_selection
from dalearn.selection import select, summarize
from dalearn.validators import available

HISTORY = [
    {
        "epoch": 0,
        "step": 10,
        "val/tgt_acc": 0.5,
        "val/tgt_mean_class_acc": 0.4,
        "val/src_acc": 0.9,
        "val/score/ima": 0.10,
        "val/score/snd": 2.0,
    },
    {
        "epoch": 1,
        "step": 20,
        "val/tgt_acc": 0.7,
        "val/tgt_mean_class_acc": 0.6,
        "val/src_acc": 0.8,
        "val/score/ima": 0.30,
        "val/score/snd": 1.0,
    },
    {
        "epoch": 2,
        "step": 30,
        "val/tgt_acc": 0.6,
        "val/tgt_mean_class_acc": 0.5,
        "val/src_acc": 0.7,
        "val/score/ima": 0.30,
        "val/score/snd": float("nan"),
    },
]


def test_a_validator_rule_picks_its_best_score_ties_earliest_and_nan_never():
    assert select(HISTORY, "ima")["epoch"] == 1
    assert select(HISTORY, "snd")["epoch"] == 0


def test_by_selection_has_one_entry_per_recorded_validator_with_its_score():
    summary = summarize(HISTORY, "ima")
    assert (summary["selection"], summary["epoch"], summary["score"], summary["tgt_acc"]) == ("ima", 1, 0.30, 0.7)
    assert set(summary["by_selection"]) == {"oracle", "src_val", "last", "ima", "snd"}
    assert summary["by_selection"]["snd"]["score"] == 2.0 and summary["by_selection"]["snd"]["epoch"] == 0
    assert "score" not in summary["by_selection"]["oracle"]


def test_a_score_the_run_did_not_record_names_the_recorded_ones():
    with pytest.raises(ValueError, match=r"selection=dev needs 'val/score/dev'.*the validator scores ima, snd"):
        select(HISTORY, "dev")
    with pytest.raises(ValueError, match="unknown selection rule 'best'.*ima"):
        select(HISTORY, "best")


def test_every_validator_has_a_selection_config_that_names_only_its_rule():
    folder = Path(CONFIG_DIR) / "selection"
    for name in available():
        node = OmegaConf.load(folder / f"{name}.yaml")
        assert OmegaConf.to_container(node) == {"rule": name}


def _cfg(rule: str, holdout: float, validators=("src_acc", "entropy", "ima")):
    return OmegaConf.create(
        {"selection": {"rule": rule}, "data": {"source_holdout": holdout}, "validators": list(validators)}
    )


def test_the_run_computes_its_list_plus_the_rule_and_drops_source_ones_without_a_holdout():
    assert validator_names(_cfg("dev", 0.1)) == ["src_acc", "entropy", "ima", "dev"]
    assert validator_names(_cfg("oracle", 0.0)) == ["entropy", "ima"]
    assert validator_names(_cfg("snd", 0.0, ())) == ["snd"]


@pytest.mark.parametrize("rule", ["src_acc", "dev", "devn"])
def test_a_source_validator_rule_without_a_holdout_is_refused_before_training(rule):
    with pytest.raises(ValueError, match=f"selection={rule} scores the labelled source hold-out.*source_holdout=0.0"):
        check_validators(_cfg(rule, 0.0))
    check_validators(_cfg(rule, 0.1))


def test_unknown_validators_are_refused_with_the_known_ones():
    with pytest.raises(ValueError, match=r"validators=\['imma'\] are not validators; choose from .*ima"):
        check_validators(_cfg("oracle", 0.1, ["imma"]))


def test_the_training_check_calls_it(train_cfg):
    with pytest.raises(ValueError, match="selection=dev scores the labelled source hold-out"):
        check_selection(train_cfg(["selection=dev", "data.source_holdout=0"]))
    check_selection(train_cfg(["selection=ima", "data.source_holdout=0"]))
