"""Shared test set-up: one torch thread per process (the models in the tests are tiny, and
with xdist on two cores more threads only contend), and deterministic seeds."""

from __future__ import annotations

import pytest
import torch

torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


def compose_train(overrides: list[str], run_dir):
    """Compose ``conf/train.yaml`` as ``dalearn-train`` would, writing the run to ``run_dir``."""
    from hydra import compose, initialize_config_dir
    from omegaconf import open_dict

    from dalearn.run.config import CONFIG_DIR

    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose(config_name="train", overrides=list(overrides))
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
