"""Every option of every config group composes with the defaults (a broken config cannot
land), and the offline ones build their objects."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra.utils import instantiate
from omegaconf import OmegaConf

from dalearn.run.config import CONFIG_DIR
from dalearn.run.factory import build_model

GROUPS = ["method", "data", "backbone", "optim", "trainer", "logger", "callbacks", "selection", "debug", "experiment", "benchmark"]


def options(group: str) -> list[str]:
    root = Path(CONFIG_DIR) / group
    return sorted(str(p.relative_to(root).with_suffix("")) for p in root.rglob("*.yaml"))


ALL = [(group, option) for group in GROUPS for option in options(group)]
REQUIRED = {("data", "drifted"): ["data.path=/a/dalearn-drift/folder"]}


def test_every_group_has_options():
    for group in ("method", "data", "backbone", "optim", "trainer", "logger", "callbacks", "selection", "debug"):
        assert options(group), group


@pytest.mark.parametrize("group,option", ALL, ids=[f"{g}={o}" for g, o in ALL])
def test_option_composes_and_resolves(train_cfg, group, option):
    cfg = train_cfg([f"{group}={option}", *REQUIRED.get((group, option), [])], fast=False)
    for key in ("data", "method", "backbone", "optim", "trainer", "selection"):
        OmegaConf.to_container(cfg[key], resolve=True)


@pytest.mark.parametrize("method", options("method"))
def test_every_method_builds_on_the_offline_default(train_cfg, method):
    cfg = train_cfg([f"method={method}"])
    model = build_model(cfg, num_classes=10)
    assert model.name == method


