"""Every option of every config group composes with the defaults (a broken config cannot
land), and the offline ones build their objects."""

from __future__ import annotations

from pathlib import Path

import pytest
from omegaconf import OmegaConf

from dalearn.run.config import CONFIG_DIR
from dalearn.run.factory import build_model
from tests.conftest import RESOLVED_SECTIONS, stage_one

GROUPS = [
    "method",
    "data",
    "backbone",
    "optim",
    "trainer",
    "logger",
    "callbacks",
    "selection",
    "debug",
    "experiment",
    "benchmark",
]


#: config groups nested inside another group's folder (chosen with data/source=…, not data=…).
NESTED_GROUPS = {"data/source", "data/target"}


def options(group: str) -> list[str]:
    root = Path(CONFIG_DIR) / group
    nested = [Path(CONFIG_DIR) / g for g in NESTED_GROUPS if g.startswith(f"{group}/")]
    return sorted(
        str(p.relative_to(root).with_suffix(""))
        for p in root.rglob("*.yaml")
        if not any(p.is_relative_to(n) for n in nested)
    )


#: every option but the experiments': each experiment is a recipe-table row, composed and resolved
#: once by tests/recipes/test_recipes.py (composing takes a few tenths of a second; twice is waste).
ALL = [
    (group, option) for group in [*GROUPS, *sorted(NESTED_GROUPS)] if group != "experiment" for option in options(group)
]
REQUIRED = {
    ("data", "drifted"): ["data.path=/a/dalearn-drift/folder"],
    ("data", "custom"): ["data.source.path=/a/folder", "data.target.path=/b/folder"],
}
for _group in NESTED_GROUPS:
    for _option in options(_group):
        _key = {"benchmark": "domain=office31:A", "offline": "variant=clean"}.get(_option, "path=/a/folder")
        REQUIRED[(_group, _option)] = ["data=custom", f"data.{_group.split('/')[1]}.{_key}"]


def test_every_group_has_options():
    for group in ("method", "data", "backbone", "optim", "trainer", "logger", "callbacks", "selection", "debug"):
        assert options(group), group


@pytest.mark.parametrize("group,option", ALL, ids=[f"{g}={o}" for g, o in ALL])
def test_option_composes_and_resolves(train_cfg, group, option):
    cfg = train_cfg([f"{group}={option}", *REQUIRED.get((group, option), [])], fast=False)
    for key in RESOLVED_SECTIONS:
        OmegaConf.to_container(cfg[key], resolve=True)


@pytest.mark.parametrize("method", options("method"))
def test_every_method_builds_on_the_offline_default(train_cfg, method):
    cfg = train_cfg([f"method={method}"])
    cfg = train_cfg([f"method={method}", *stage_one(cfg, train_cfg)])
    model = build_model(cfg, num_classes=10)
    assert model.name == method


def test_every_experiment_is_a_recipe_row_whose_composition_is_checked_there():
    """The experiments are left out of ``ALL`` because tests/recipes/test_recipes.py composes
    and resolves each recipe row; an experiment file that is no row would escape both."""
    from dalearn.recipes import load_tables

    rows = {recipe.experiment for table in load_tables() for recipe in table.recipes}
    assert set(options("experiment")) == rows
