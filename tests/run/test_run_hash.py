"""The run directory's hash covers every key that can change a run's result: changing any
one of them gives a new directory, changing an excluded one (where to write, how to log,
whether to resume) keeps it."""

from __future__ import annotations

from typing import Any

import pytest
from omegaconf import OmegaConf

from dalearn.run.resolvers import EXCLUDED_KEYS, hashed_config


def leaves(node: Any, prefix: tuple = ()) -> list[tuple]:
    if isinstance(node, dict):
        return [leaf for key, value in node.items() for leaf in leaves(value, (*prefix, key))]
    if isinstance(node, list) and node:
        return [leaf for index, value in enumerate(node) for leaf in leaves(value, (*prefix, index))]
    return [prefix]


def changed(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value * 2 + 1
    if isinstance(value, list):
        return [*value, "extra"]
    if value is None:
        return "changed"
    return f"{value}_changed"


def set_leaf(cfg, keys: tuple, value: Any) -> None:
    node = cfg
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = value


def run_name(cfg) -> str:
    return str(cfg.paths.run_name)


@pytest.mark.parametrize(
    "method", ["dann", pytest.param("cdan", marks=pytest.mark.slow), pytest.param("mdd", marks=pytest.mark.slow)]
)
def test_every_hashed_key_changes_the_run_directory(train_cfg, method):
    base = train_cfg([f"method={method}"])
    original = run_name(base)
    keys = leaves(hashed_config(base))
    assert {"callbacks", "channels_last", "seed", "data", "method", "trainer", "optim"} <= {k[0] for k in keys}
    same = []
    for keys_ in keys:
        cfg = base.copy()
        current = OmegaConf.select(cfg, ".".join(map(str, keys_)))
        set_leaf(cfg, keys_, changed(OmegaConf.to_container(current) if OmegaConf.is_config(current) else current))
        if run_name(cfg).rsplit("-", 1)[1] == original.rsplit("-", 1)[1]:
            same.append(".".join(map(str, keys_)))
    assert not same, f"changing these keys keeps the run directory: {same}"


@pytest.mark.parametrize(
    "override",
    ["callbacks.lr_monitor.logging_interval=epoch", "channels_last=false", "callbacks.domain_gap.metrics=[fid]"],
)
def test_keys_the_old_hash_ignored_now_change_the_directory(train_cfg, override):
    assert run_name(train_cfg([override])) != run_name(train_cfg([]))


@pytest.mark.parametrize(
    "override",
    [
        "paths.output_root=/elsewhere",
        "logger=tensorboard",
        "resume=true",
        "overwrite=true",
        "ckpt_path=/x.ckpt",
        "print_config=true",
        "cpu_threads=3",
        "trainer.enable_progress_bar=false",
        "trainer.enable_model_summary=true",
    ],
)
def test_excluded_keys_keep_the_run_directory(train_cfg, override):
    assert run_name(train_cfg([override])) == run_name(train_cfg([]))


def test_the_exclusions_are_documented_on_the_runs_page():
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs" / "runs.md").read_text(encoding="utf-8")
    hashed = page.split("The hash covers", 1)[1].split("\n\n", 1)[0]  # the paragraph that lists them
    for key in EXCLUDED_KEYS:
        assert f"`{key}`" in hashed, key
