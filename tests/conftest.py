"""Shared test set-up: one torch thread per process (the models in the tests are tiny, and
with xdist on two cores more threads only contend), deterministic seeds, the per-test
timeout of the slow tier, and the helpers several folders use (composing a run's config,
reading a run's CSV log, running a console command).

Two tiers (README, ``scripts/test``): the fast tier is ``-m "not slow"``; ``slow`` marks a
test that trains past a handful of steps, runs a sweep, or spawns a process that imports
torch. Every test runs under pytest-timeout (``timeout`` in pyproject.toml, 120 s); a slow
test gets ``SLOW_TIMEOUT`` unless it sets its own ``@pytest.mark.timeout``; ``--timeout N`` on
the command line sets every unmarked test's (``--timeout 0``: none, e.g. under coverage)."""

from __future__ import annotations

import copy
import functools

import pytest
import torch

torch.set_num_threads(1)

#: seconds a slow test may run before pytest-timeout fails it by name (its own mark wins).
SLOW_TIMEOUT = 600


def _keep_xdist_groups(config, items) -> None:
    """Give each ``xdist_group``-marked test its ``@<group>`` node-id suffix, which is how
    ``--dist loadgroup`` sends a group to one worker (so a module fixture that trains is built
    once, not once per worker). pytest-xdist 3.8 writes the suffix to ``item._nodeid``, which
    pytest 9.2's structured node ids no longer read: the groups are silently spread over the
    workers (pytest-xdist issue 1386). Runs on the workers only, where xdist sets
    ``config.option.loadgroup``; a suffix already there is left alone."""
    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        groups = sorted(
            {
                str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                for mark in item.iter_markers("xdist_group")
            }
        )
        if not groups or "@" in item.nodeid.rsplit("]", 1)[-1] or not hasattr(item, "_id"):
            continue
        item._id = type(item._id).parse(f"{item.nodeid}@{'_'.join(groups)}")


def pytest_collection_modifyitems(config, items) -> None:
    _keep_xdist_groups(config, items)
    if config.getoption("timeout", None) is not None:  # --timeout N given: it holds for every test without a mark
        return
    for item in items:
        if item.get_closest_marker("slow") and not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(SLOW_TIMEOUT))


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


@functools.lru_cache(maxsize=None)
def _composed_train(overrides: tuple[str, ...]):
    """``conf/train.yaml`` composed with ``overrides``, once per process: composing takes about
    0.12 s and the fast tier composes the same few override lists hundreds of times, while a
    copy takes 0.01 s. Composition resolves nothing (``${oc.env:…}`` and the rest are read when
    a value is), so a cached config is what a fresh compose would give."""
    from hydra import compose, initialize_config_dir

    from dalearn.run.config import CONFIG_DIR

    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        return compose(config_name="train", overrides=list(overrides))


def compose_train(overrides: list[str], run_dir):
    """Compose ``conf/train.yaml`` as ``dalearn-train`` would, writing the run to ``run_dir``
    (a copy of the process's one composition of these overrides, so callers may change it)."""
    from omegaconf import open_dict

    cfg = copy.deepcopy(_composed_train(tuple(overrides)))
    with open_dict(cfg):
        cfg.paths.run_dir = str(run_dir)
    return cfg


@pytest.fixture
def train_cfg(tmp_path):
    """Factory: ``train_cfg(["method=dan", ...], name="run")`` → a composed, shrunk config."""

    def make(overrides=(), name: str = "run", fast: bool = True):
        extra = ["debug=fast"] if fast else []
        return compose_train([*extra, *overrides], tmp_path / name)

    return make


def stage_one(cfg, train_cfg) -> list[str]:
    """A method that adapts a trained model (a ``source_ckpt`` key, e.g. SHOT's source-free
    stage) gets one: the stage-1 method its default ``source_ckpt`` path names is trained
    first, and its run directory is passed on."""
    import re

    from omegaconf import OmegaConf

    raw = OmegaConf.to_container(cfg.method, resolve=False).get("source_ckpt")
    if not raw:
        return []
    first = train_cfg([f"method={re.search(r'}/([^/$]+)/seed', raw).group(1)}"], name="stage1")
    from dalearn.run.training import train

    train(first)
    return [f"method.source_ckpt={first.paths.run_dir}"]


def logged(run_dir, key: str) -> list[tuple[int, float]]:
    """(step, value) rows of ``key`` in a run's CSV log (``logs/version_*/metrics.csv``)."""
    import csv
    from pathlib import Path

    rows = []
    for path in sorted(Path(run_dir).glob("logs/version_*/metrics.csv")):
        with path.open() as handle:
            for row in csv.DictReader(handle):
                if row.get(key):
                    rows.append((int(row["step"]), float(row[key])))
    return rows


#: the sections a composed config must resolve (interpolations, resolvers, required values).
RESOLVED_SECTIONS = ("data", "method", "backbone", "optim", "trainer", "selection")
#: MCD made small: its default heads take seconds a step on a CPU; its manual optimisation (two
#: classifiers, ``num_k`` generator steps) is what the tests that use it check, and stays.
SMALL_MCD = ["method.num_k=1", "method.classifier.bottleneck_dim=64"]

#: a benchmark experiment made small and fast on the CPU: LeNet on 32 × 32 crops, two iterations of batch 4.
TINY_BENCHMARK_RUN = [
    "trainer=cpu",
    "backbone=lenet",
    "data.num_workers=0",
    "data.batch_size=4",
    "data.iters_per_epoch=2",
    "trainer.max_epochs=1",
    "trainer.enable_progress_bar=false",
    "data.train_transform.size=32",
    "data.train_transform.resize=40",
    "data.eval_transform.size=32",
    "data.eval_transform.resize=40",
]
#: a DANN run on the offline digits as ``dalearn-train`` runs it: one CPU thread, no progress bar.
CLI_RUN = ["method=dann", "trainer.enable_progress_bar=false", "cpu_threads=1"]
#: a CLI_RUN that lasts long enough (200 short epochs) to be interrupted once it has a checkpoint.
LONG_RUN = [*CLI_RUN, "trainer.max_epochs=200", "data.iters_per_epoch=4", "data.batch_size=8"]


def train_command(output_root, *overrides: str) -> list[str]:
    """``python -m dalearn.cli.train <overrides>`` writing its runs under ``output_root``."""
    import sys

    return [sys.executable, "-m", "dalearn.cli.train", *overrides, f"paths.output_root={output_root}"]


def wait_for(pattern: str, root, process, seconds: float = 300):
    """The first path matching ``pattern`` under ``root`` once it appears, while ``process``
    (a ``subprocess.Popen``) keeps running; fails if the process ends first or time runs out."""
    import time

    deadline = time.time() + seconds
    while time.time() < deadline:
        found = list(root.glob(pattern))
        if found:
            return found[0]
        assert process.poll() is None, "the first run ended early"
        time.sleep(0.05)
    raise AssertionError(f"{pattern} did not appear under {root}")


def console_script(tool: str) -> str:
    """The installed console script ``tool`` (beside this Python, else on PATH)."""
    import shutil
    import sys
    from pathlib import Path

    beside = Path(sys.executable).parent / tool
    executable = str(beside) if beside.is_file() else shutil.which(tool)
    assert executable, f"{tool} is not installed as a console script"
    return executable
