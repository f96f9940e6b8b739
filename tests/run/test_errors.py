"""Bad input stops with a message that says what to fix."""

from __future__ import annotations

import subprocess
import sys

import pytest

import dalearn.data.offline as offline
from dalearn.run.config import build
from dalearn.run.training import train


def run_cli(*overrides: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dalearn.cli.train", *overrides], capture_output=True, text=True)


UNKNOWN_OPTIONS = [("method=nope", "method/nope", "dann"), ("data=nope", "data/nope", "digits")]


@pytest.mark.slow
@pytest.mark.parametrize("override,group,listed", UNKNOWN_OPTIONS)
def test_unknown_group_option_lists_the_available_ones(override, group, listed):
    result = run_cli(override)
    assert result.returncode != 0
    assert f"Could not find '{group}'" in result.stderr
    assert "Available options" in result.stderr and f"\t{listed}\n" in result.stderr


@pytest.mark.parametrize("override,group,listed", UNKNOWN_OPTIONS)
def test_unknown_group_option_lists_the_available_ones_when_composed(tmp_path, override, group, listed):
    """The fast twin of the test above: the same message from composing in this process."""
    from hydra.errors import MissingConfigException

    from tests.conftest import compose_train

    with pytest.raises(MissingConfigException) as error:
        compose_train([override], tmp_path / "run")
    message = str(error.value)
    assert f"Could not find '{group}'" in message
    assert "Available options" in message and f"\t{listed}\n" in message


def test_missing_fashion_mnist_names_what_was_tried(train_cfg, tmp_path, monkeypatch):
    monkeypatch.setattr(offline, "DEBIAN_FASHION_MNIST", tmp_path / "no-debian")
    offline._fashion_raw.cache_clear()
    offline._cached_fashion.cache_clear()
    cfg = train_cfg(["data=fashion_mnist", f"data.root={tmp_path / 'no-root'}"], name="fashion-run")
    with pytest.raises(FileNotFoundError) as error:
        train(cfg)
    message = str(error.value)
    assert str(tmp_path / "no-debian") in message and str(tmp_path / "no-root" / "FashionMNIST" / "raw") in message
    assert "apt-get install dataset-fashion-mnist" in message and "data.download=true" in message
    if sys.version_info >= (3, 11):
        assert "data.source.train" in " ".join(error.value.__notes__)
    assert not (tmp_path / "fashion-run" / "config.yaml").exists()
    offline._fashion_raw.cache_clear()
    offline._cached_fashion.cache_clear()


def test_class_mismatch_between_source_and_target(train_cfg):
    cfg = train_cfg(["data.target.train._target_=dalearn.data.offline.fashion_mnist"])
    with pytest.raises(ValueError, match="classes the source does not have"):
        build(cfg.data)


def test_unknown_domain_in_the_task_key(train_cfg):
    cfg = train_cfg(["data.task=clean2nowhere"])
    with pytest.raises(ValueError, match="unknown domain 'nowhere'"):
        build(cfg.data)


def test_unreadable_task_key(train_cfg):
    cfg = train_cfg(["data.task=cleanm"])
    with pytest.raises(Exception, match="<source>2<target>"):
        build(cfg.data)


def test_nan_loss_stops_training_with_advice(train_cfg):
    cfg = train_cfg(["method=dann", "optim.lr=1e12", "data.iters_per_epoch=6"])
    with pytest.raises(FloatingPointError, match="Lower optim.lr"):
        train(cfg)


def test_source_validation_needs_a_source_holdout(train_cfg, tmp_path):
    cfg = train_cfg(["selection=src_val", "data.source_holdout=0"], name="src-val-run")
    with pytest.raises(ValueError, match=r"selection=src_val .* data.source_holdout=0"):
        train(cfg)
    assert not (tmp_path / "src-val-run").exists()


def test_missing_checkpoint_to_resume_from_says_what_to_pass(train_cfg, tmp_path):
    cfg = train_cfg([f"ckpt_path={tmp_path / 'nope.ckpt'}"], name="ckpt-run")
    with pytest.raises(FileNotFoundError, match=r"nope.ckpt does not exist; give a checkpoint file .*resume=true"):
        train(cfg)
    assert not (tmp_path / "ckpt-run" / "config.yaml").exists()


def test_evaluating_a_missing_checkpoint_says_what_to_pass(tmp_path):
    from omegaconf import OmegaConf

    from dalearn.run.evaluation import evaluate

    cfg = OmegaConf.create({"ckpt_path": str(tmp_path / "nope.ckpt")})
    with pytest.raises(FileNotFoundError, match=r"does not exist; pass a checkpoint a run wrote, e\.g\. .*best\.ckpt"):
        evaluate(cfg)
