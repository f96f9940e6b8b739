"""One object per rule: every rule has a name, the key it maximises, what it needs, a direction
and a description; every validator of the registry is a rule whose key is its score; every
selection config names only its rule; an unknown rule is refused with the known ones."""

from __future__ import annotations

from pathlib import Path

import pytest
from omegaconf import OmegaConf

from dalearn.run.config import CONFIG_DIR
from dalearn.selection import FIXED_RULES, all_rules, get_rule
from dalearn.validators import available


def test_every_rule_states_its_key_needs_direction_and_description():
    rules = all_rules()
    assert set(available()) <= set(rules)
    assert {"oracle", "src_val", "last", "atc", "doc", "mixval", "ensv"} <= set(rules)
    for name, rule in rules.items():
        assert rule.name == name and rule.direction == "max"
        assert rule.needs and rule.description and "\n" not in rule.description
        assert (rule.key is None) == (rule.scope == "sweep")
    assert rules["ima"].key == "val/score/ima" and "target predictions" in rules["ima"].needs
    assert "source hold-out" in rules["dev"].needs and "source hold-out" in rules["src_acc"].needs
    assert (rules["atc"].key, rules["doc"].key, rules["src_val"].key) == ("val/est/atc", "val/est/doc", "val/src_acc")
    assert [name for name, rule in rules.items() if rule.uses_target_labels] == ["oracle"]


def test_the_oracle_key_follows_the_data_and_a_value_is_read_from_a_record():
    oracle = get_rule("oracle")
    assert oracle.key_for("val/tgt_mean_class_acc") == "val/tgt_mean_class_acc" and oracle.key_for() == "val/tgt_acc"
    assert get_rule("last").value({"epoch": 3}) == 3.0 and get_rule("ima").value({"epoch": 3}) is None


def test_each_selection_config_names_only_its_rule():
    folder = Path(CONFIG_DIR) / "selection"
    names = sorted(path.stem for path in folder.glob("*.yaml"))
    assert set(names) >= set(available()) | {"oracle", "src_val", "last", "atc", "doc", "mixval"}
    for name in names:
        assert OmegaConf.to_container(OmegaConf.load(folder / f"{name}.yaml")) == {"rule": name}
        assert get_rule(name).per_epoch


def test_an_unknown_rule_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown selection rule 'imma'.*oracle.*ensv.*validator: bnm"):
        get_rule("imma")
    assert FIXED_RULES["ensv"].scope == "sweep"
