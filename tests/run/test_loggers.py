"""The logger group: MLflow (a local file store under the run directory), W&B (offline) and
several loggers at once; a logger whose package is missing names the extra to install."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from dalearn._extras import MissingExtraError
from dalearn.run.factory import build_trainer
from dalearn.run.loggers import build_loggers, logger_nodes


def test_tensorboard_without_its_package_names_the_extra(train_cfg, monkeypatch):
    cfg = train_cfg(["logger=tensorboard"])
    monkeypatch.setitem(sys.modules, "tensorboard", None)  # as if the extra were not installed
    with pytest.raises(
        MissingExtraError, match=r"logger \(TensorBoardLogger\) needs tensorboard.*pip install 'dalearn\[tensorboard\]'"
    ):
        build_trainer(cfg)


def test_one_of_many_loggers_missing_names_its_key(train_cfg, monkeypatch):
    cfg = train_cfg(["logger=many_loggers"])
    monkeypatch.setitem(sys.modules, "mlflow", None)
    with pytest.raises(MissingExtraError, match=r"logger\.mlflow \(MLFlowLogger\) needs mlflow.*dalearn\[mlflow\]"):
        build_trainer(cfg)


def test_many_loggers_builds_each_named_logger(train_cfg):
    pytest.importorskip("tensorboard")
    pytest.importorskip("mlflow")
    cfg = train_cfg(["logger=many_loggers", "+logger@logger.wandb=wandb", "logger.wandb=null"])
    assert list(logger_nodes(cfg.logger)) == ["csv", "tensorboard", "mlflow"]  # a null entry is left out
    loggers = build_loggers(cfg.logger)
    assert [type(lg).__name__ for lg in loggers] == ["ContinuingCSVLogger", "TensorBoardLogger", "MLFlowLogger"]
    trainer = build_trainer(cfg)
    assert len(trainer.loggers) == 3


def test_a_logger_node_without_target_is_refused():
    with pytest.raises(ValueError, match=r"\['broken'\] has none"):
        logger_nodes(OmegaConf.create({"csv": {"_target_": "x.Y"}, "broken": {"save_dir": "."}}))


def _series(run: Path) -> dict[str, list[float]]:
    """Every metric MLflow's file store holds for the run: name → values."""
    (metrics,) = run.glob("mlruns/*/*/metrics")
    found = {}
    for path in metrics.rglob("*"):
        if path.is_file():
            found[str(path.relative_to(metrics))] = [float(line.split()[1]) for line in path.read_text().splitlines()]
    return found


@pytest.mark.slow
def test_many_loggers_writes_csv_tensorboard_and_a_local_mlflow_store(train_cfg):
    pytest.importorskip("tensorboard")
    pytest.importorskip("mlflow")
    from dalearn.run.training import train

    cfg = train_cfg(["logger=many_loggers"])
    train(cfg)
    run = Path(cfg.paths.run_dir)
    assert (run / "logs/version_0/metrics.csv").is_file()
    assert list((run / "tensorboard/version_0").glob("events.out.tfevents.*"))
    series = _series(run)
    assert {"val/tgt_acc", "train/loss"} <= set(series), sorted(series)
    csv_header = (run / "logs/version_0/metrics.csv").read_text().splitlines()[0].split(",")
    assert "val/tgt_acc" in csv_header
    assert all(0.0 <= value <= 1.0 for value in series["val/tgt_acc"])


@pytest.mark.slow
def test_wandb_offline_writes_its_run_under_the_run_directory(train_cfg, monkeypatch):
    pytest.importorskip("wandb")
    from dalearn.run.training import train

    monkeypatch.setenv("WANDB_SILENT", "true")
    cfg = train_cfg(["logger=wandb"])
    train(cfg)
    runs = list(Path(cfg.paths.run_dir).glob("wandb/offline-run-*/run-*.wandb"))
    assert len(runs) == 1 and runs[0].stat().st_size > 0
