"""The experiment recipes and benchmark sweeps, checked against the one place they come from:
every row of every recipe table composes (through Hydra, as ``dalearn-train`` composes it) to
exactly what the row says, every benchmark's sweep holds exactly its table's rows in the
table's order × its axes, a two-step training run works on each generated tree, and a missing
root stops a run before any work."""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from dalearn.data.benchmarks import get_benchmark
from dalearn.data.benchmarks.domains import DatasetNotReadyError
from dalearn.data.benchmarks.fake_tree import make_fake_tree
from dalearn.recipes import load_tables
from dalearn.run.config import CONFIG_DIR
from dalearn.run.training import train
from tests.conftest import RESOLVED_SECTIONS, TINY_BENCHMARK_RUN

TABLES = load_tables()
ROWS = [(table, recipe) for table in TABLES for recipe in table.recipes]
TINY = TINY_BENCHMARK_RUN  # small and fast on the CPU (tests/conftest.py)


def compose_train(overrides: list[str], hydra: bool = False):
    with initialize_config_dir(CONFIG_DIR, version_base="1.3"):
        return compose("train", overrides=overrides, return_hydra_config=hydra)


@functools.lru_cache(maxsize=None)
def composed(experiment: str):
    """The one place every experiment is composed (cached: composing takes a few tenths of a
    second). A benchmark's ``data.root`` keeps its default (``$DALEARN_DATA`` or ./data): it is
    resolved as a string, nothing reads it."""
    return compose_train([f"experiment={experiment}"], hydra=True)


def leaves(values: dict, prefix: str) -> dict:
    """``{"classifier": {"bottleneck_dim": 1}}`` under ``method`` → ``{"method.classifier.bottleneck_dim": 1}``."""
    found = {}
    for key, value in values.items():
        if isinstance(value, dict):
            found.update(leaves(value, f"{prefix}.{key}"))
        else:
            found[f"{prefix}.{key}"] = value
    return found


@pytest.mark.parametrize("table,recipe", ROWS, ids=[recipe.experiment for _, recipe in ROWS])
def test_every_experiment_composes_to_its_table_row(table, recipe):
    """The composed config holds the row's group options and every value the row sets, as the
    table writes it (interpolations unresolved), is named as the row, and resolves. Every
    experiment is a table row (asserted in tests/run/test_config_groups.py), so this is also the
    experiment group's composition check; test_config_groups.py composes every other option."""
    cfg = composed(recipe.experiment)
    for key in RESOLVED_SECTIONS:
        OmegaConf.to_container(cfg[key], resolve=True)
    choices = cfg.hydra.runtime.choices
    assert {group: choices[group] for group in ("method", *recipe.groups)} == {"method": recipe.method, **recipe.groups}
    assert cfg.method.name == recipe.method
    written = OmegaConf.to_container(cfg, resolve=False)
    for section, values in recipe.settings.items():
        for key, value in leaves(values, section).items():
            node = written
            for part in key.split("."):
                node = node[part]
            assert node == value and type(node) is type(value), (recipe.experiment, key, node, value)


@pytest.mark.parametrize("table", TABLES, ids=[table.benchmark for table in TABLES])
def test_every_benchmark_sweeps_exactly_its_table_rows(table):
    cfg = compose_train([f"benchmark={table.benchmark}"], hydra=True)
    params = cfg.hydra.sweeper.params
    assert list(params) == ["experiment", *table.sweep.axes]
    assert params["experiment"].split(",") == [recipe.experiment for recipe in table.recipes]
    for axis, values in table.sweep.axes.items():
        assert str(params[axis]).split(",") == [str(value) for value in values]
    assert cfg.hydra.mode.name == "MULTIRUN"
    assert cfg.hydra.sweep.dir.endswith(f"benchmark/{table.benchmark}")
    if "data.task" in table.sweep.axes:  # a published benchmark: its tasks as the dataset spec lists them
        dataset = table.recipes[0].groups["data"]
        assert (
            tuple(table.sweep.axes["data.task"])
            == get_benchmark(dataset).tasks
            == tuple(table.datasets[dataset]["tasks"])
        )
    for option in table.sweep.axes.get("data", []):
        assert (Path(CONFIG_DIR) / "data" / f"{option}.yaml").is_file(), option


@pytest.mark.slow
@pytest.mark.parametrize(
    ("dataset", "method", "task", "evaluated"),
    [
        ("office31", "dann", "W2D", "target_val"),
        ("office_home", "mdd", "Pr2Rw", "target_val"),
        ("visda", "mcd", "Synthetic2Real", "target_val"),
        ("domainnet", "jan", "s2q", "target_test"),
    ],
)
def test_two_step_training_on_each_generated_tree(tmp_path, dataset, method, task, evaluated):
    root = make_fake_tree(dataset, tmp_path / "data", images_per_class=2, num_classes=4)
    run_dir = tmp_path / "run"
    cfg = compose_train(
        [f"experiment={dataset}/{method}", f"data.task={task}", f"data.root={root}", f"paths.run_dir={run_dir}", *TINY]
    )
    metrics, objects = train(cfg)
    assert metrics["epochs"] == 1 and len(metrics["history"]) == 1 and metrics["tgt_eval_split"] == evaluated
    assert metrics["tgt_acc"] == metrics["history"][0][f"{'test' if evaluated == 'target_test' else 'val'}/tgt_acc"]
    oracle_metric = "val/tgt_mean_class_acc" if dataset == "visda" else "val/tgt_acc"
    assert metrics["oracle_metric"] == oracle_metric and cfg.callbacks.best_checkpoint.oracle_metric == oracle_metric
    source, target = objects["datamodule"].source["train"], objects["datamodule"].target["train"]
    spec = get_benchmark(dataset)
    assert Path(source.list_file) == root / spec.domain(task.split("2")[0]).lists[spec.train_split]
    assert Path(target.list_file) == root / spec.domain(task.split("2")[1]).lists[spec.train_split]
    assert (run_dir / "metrics.json").is_file()


def test_missing_root_stops_before_any_work(tmp_path):
    run_dir = tmp_path / "run"
    cfg = compose_train(
        ["experiment=office31/dann", f"data.root={tmp_path / 'empty'}", f"paths.run_dir={run_dir}", *TINY]
    )
    with pytest.raises(DatasetNotReadyError) as caught:
        train(cfg)
    message = str(caught.value)
    assert f"{tmp_path / 'empty'}/amazon/images/<class>/*.jpg" in message
    assert f"dalearn-data download office31 --root {tmp_path / 'empty'}" in message
    assert not (run_dir / "checkpoints").exists() and not (run_dir / "config.yaml").exists()


@pytest.mark.slow
def test_benchmark_sweep_launches_its_runs(tmp_path):
    """``benchmark=`` alone switches to a sweep (no -m); single values narrow the grid to one run."""
    root = make_fake_tree("office31", tmp_path / "data", images_per_class=2, num_classes=3)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "dalearn.cli.train",
            "benchmark=office31",
            "seed=0",
            "data.task=D2A",
            "experiment=office31/source_only",
            f"data.root={root}",
            f"paths.output_root={tmp_path / 'out'}",
            *TINY,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    runs = [
        p.parent.relative_to(tmp_path / "out" / "benchmark" / "office31").parts[:2]
        for p in (tmp_path / "out").rglob("metrics.json")
    ]
    assert runs == [("office31_D2A", "source_only")]
