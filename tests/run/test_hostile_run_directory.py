"""A shared run directory must not run code: a checkpoint whose pickle carries a
``__reduce__`` payload, and a ``config.yaml`` naming an arbitrary callable, are refused by
``dalearn-eval`` (and the checkpoint by ``dalearn-train ckpt_path=…``) — and the payload's
side effect (creating a file) never happens."""

from __future__ import annotations

import builtins
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from omegaconf import OmegaConf


class Payload:
    """Unpickling this calls ``open(marker, "w")``: the marker file appears."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (builtins.open, (self.marker, "w"))


def shared_run(train_cfg) -> Path:
    """A run directory as dalearn-train leaves it: config.yaml beside checkpoints/."""
    cfg = train_cfg(name="shared-run")
    run = Path(cfg.paths.run_dir)
    (run / "checkpoints").mkdir(parents=True)
    (run / "config.yaml").write_text(OmegaConf.to_yaml(cfg, resolve=True))
    return run


def cli(module: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, capture_output=True, text=True)


def write_hostile_checkpoint(path: Path, marker: Path) -> None:
    torch.save({"state_dict": {}, "epoch": 0, "payload": Payload(marker)}, path)


def write_hostile_config(run: Path, marker: Path) -> None:
    """A plain checkpoint beside a config.yaml whose ``data`` would call ``open(marker, "w")``."""
    torch.save({"state_dict": {}}, run / "checkpoints" / "best.ckpt")
    cfg = OmegaConf.load(run / "config.yaml")
    cfg.data = {"_target_": "builtins.open", "file": str(marker), "mode": "w"}
    (run / "config.yaml").write_text(OmegaConf.to_yaml(cfg))


@pytest.mark.slow
def test_eval_refuses_a_checkpoint_that_would_run_code(tmp_path, train_cfg):
    run, marker = shared_run(train_cfg), tmp_path / "pwned-by-checkpoint"
    write_hostile_checkpoint(run / "checkpoints" / "best.ckpt", marker)
    result = cli("dalearn.cli.eval", f"ckpt_path={run / 'checkpoints' / 'best.ckpt'}", cwd=tmp_path)
    assert result.returncode != 0
    assert not marker.exists(), "the checkpoint's payload ran"
    assert "best.ckpt was refused: loading it would call io.open" in result.stderr
    assert "weights_only=True" in result.stderr
    assert not (run / "eval.json").exists()


@pytest.mark.slow
def test_train_refuses_the_same_checkpoint_before_training(tmp_path):
    marker = tmp_path / "pwned-by-checkpoint"
    hostile = tmp_path / "hostile.ckpt"
    write_hostile_checkpoint(hostile, marker)
    result = cli(
        "dalearn.cli.train", "debug=fast", f"paths.output_root={tmp_path / 'out'}", f"ckpt_path={hostile}", cwd=tmp_path
    )
    assert result.returncode != 0
    assert not marker.exists()
    assert f"ckpt_path={hostile} was refused" in result.stderr
    assert not list((tmp_path / "out").glob("runs/*/*/*/config.yaml")), "training started"


@pytest.mark.slow
def test_eval_refuses_a_config_that_names_an_arbitrary_callable(tmp_path, train_cfg):
    run, marker = shared_run(train_cfg), tmp_path / "pwned-by-config"
    write_hostile_config(run, marker)
    result = cli("dalearn.cli.eval", f"ckpt_path={run / 'checkpoints' / 'best.ckpt'}", cwd=tmp_path)
    assert result.returncode != 0
    assert not marker.exists(), "the config's _target_ ran"
    assert "data._target_='builtins.open'" in result.stderr and "trust_config=true" in result.stderr


def eval_config(checkpoint: Path):
    """What ``dalearn-eval ckpt_path=<checkpoint>`` composes, for :func:`evaluate` in this process."""
    return OmegaConf.create(
        {"ckpt_path": str(checkpoint), "run_config": None, "data": {}, "trainer": {"accelerator": "cpu", "devices": 1}}
    )


def test_in_process_evaluate_and_train_refuse_the_hostile_checkpoint(tmp_path, train_cfg):
    """The fast twin of the two console tests above (slow): the same refusals, in this process."""
    from dalearn.run.checkpoint_io import CheckpointError
    from dalearn.run.evaluation import evaluate
    from dalearn.run.training import train

    run, marker = shared_run(train_cfg), tmp_path / "pwned-by-checkpoint"
    write_hostile_checkpoint(run / "checkpoints" / "best.ckpt", marker)
    with pytest.raises(
        CheckpointError, match=r"best.ckpt was refused: loading it would call io.open.*weights_only=True"
    ):
        evaluate(eval_config(run / "checkpoints" / "best.ckpt"))
    assert not (run / "eval.json").exists()
    cfg = train_cfg([f"ckpt_path={run / 'checkpoints' / 'best.ckpt'}"], name="train-run")
    with pytest.raises(CheckpointError, match=r"ckpt_path=.*best.ckpt was refused"):
        train(cfg)
    assert not marker.exists(), "the checkpoint's payload ran"
    assert not (Path(cfg.paths.run_dir) / "config.yaml").exists(), "training started"


def test_in_process_evaluate_refuses_a_config_naming_an_arbitrary_callable(tmp_path, train_cfg):
    """The fast twin of the console test above (slow)."""
    from dalearn.run.evaluation import evaluate

    run, marker = shared_run(train_cfg), tmp_path / "pwned-by-config"
    write_hostile_config(run, marker)
    with pytest.raises(PermissionError, match=r"data._target_='builtins.open'.*trust_config=true"):
        evaluate(eval_config(run / "checkpoints" / "best.ckpt"))
    assert not marker.exists(), "the config's _target_ ran"


def test_a_target_hidden_in_a_nested_node_or_an_interpolation_is_refused(tmp_path):
    from dalearn.io.trusted.configs import UntrustedConfigError, check_config

    cfg = OmegaConf.create(
        {
            "evil": "os.system",
            "data": {
                "_target_": "dalearn.data.DomainAdaptationDataModule",
                "source": {"train": {"_target_": "${evil}"}},
            },
        }
    )
    try:
        check_config(cfg, tmp_path / "config.yaml")
    except UntrustedConfigError as error:
        assert "data.source.train._target_='os.system'" in str(error)
    else:
        raise AssertionError("os.system was accepted")


def test_trusted_targets_are_exact_names_not_library_namespaces():
    from dalearn.io.trusted.allowlist import TRUSTED_CALLABLES

    assert "dalearn.methods.DANN" in TRUSTED_CALLABLES and "torch.optim.SGD" in TRUSTED_CALLABLES
    assert "lightning.pytorch.callbacks.ModelCheckpoint" in TRUSTED_CALLABLES
    for refused in (
        "builtins.open",
        "os.system",
        "torch.hub.load",
        "torch.load",
        "torch.utils.collect_env.run",
        "dalearn.io.atomic_write_text",
        "torchfoo.bar",
        "dalearn.x;y",
    ):
        assert refused not in TRUSTED_CALLABLES, refused
