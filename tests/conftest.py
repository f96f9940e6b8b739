"""Shared test set-up: one torch thread per process (the models in the tests are tiny, and
with xdist on two cores more threads only contend), and deterministic seeds."""

from __future__ import annotations

import pytest
import torch

torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


def compose_train(overrides: list[str], run_dir) -> "DictConfig":
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
