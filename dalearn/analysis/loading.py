"""Rebuild a trained run — its data, its model and the selected checkpoint's weights — from
its directory (or from one of its checkpoints).

The run's configuration is read by :func:`load_run_config` alone, so that the rule for which
configurations may be instantiated lives in one place. Weights are read with
``torch.load(weights_only=True)``: a checkpoint cannot run code when it is loaded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import torch
from omegaconf import DictConfig, OmegaConf

from dalearn.run.factory import build_datamodule, build_model

CHECKPOINT_NAMES = ("best.ckpt", "last.ckpt")


@dataclass
class LoadedRun:
    """A run rebuilt for analysis."""

    path: Path
    checkpoint: Path
    config: DictConfig
    model: Any
    datamodule: Any
    metrics: dict[str, Any] = field(default_factory=dict)


def locate(path: str | Path, config: Optional[str | Path] = None) -> tuple[Path, Path, Path]:
    """``(run directory, checkpoint, config file)`` for a run directory (its
    ``checkpoints/best.ckpt``, else ``last.ckpt``) or a checkpoint file (its run directory is
    two levels up, unless ``config`` names the configuration)."""
    path = Path(path).expanduser()
    if path.is_file():
        checkpoint, run = path, path.resolve().parent.parent
    elif path.is_dir():
        run = path
        found = [run / "checkpoints" / name for name in CHECKPOINT_NAMES if (run / "checkpoints" / name).is_file()]
        if not found:
            raise FileNotFoundError(
                f"{run} holds no checkpoints/best.ckpt or last.ckpt: give a finished run directory "
                f"(outputs/runs/<data>/<method>/seed<k>-<hash>) or a checkpoint file"
            )
        checkpoint = found[0]
    else:
        raise FileNotFoundError(f"{path} does not exist: give a run directory or a checkpoint file")
    config_file = Path(config).expanduser() if config else run / "config.yaml"
    if not config_file.is_file():
        raise FileNotFoundError(
            f"cannot find the run's configuration at {config_file}; pass --config <the run's config.yaml>"
        )
    return run, checkpoint, config_file


def load_run_config(config_file: str | Path) -> DictConfig:
    """The run's resolved configuration (``config.yaml``, written by ``dalearn-train``)."""
    return OmegaConf.load(config_file)


def load_run(path: str | Path, config: Optional[str | Path] = None, data_overrides: Optional[dict] = None) -> LoadedRun:
    """Rebuild the run at ``path`` (see :func:`locate`) in evaluation mode on the CPU."""
    run, checkpoint, config_file = locate(path, config)
    cfg = load_run_config(config_file)
    if data_overrides:
        cfg.data = OmegaConf.merge(cfg.data, data_overrides)
    datamodule = build_datamodule(cfg)
    model = build_model(cfg, datamodule.num_classes)
    state = torch.load(checkpoint, map_location="cpu", weights_only=True)
    if "state_dict" not in state:
        raise ValueError(f"{checkpoint} has no state_dict: it is not a checkpoint written by dalearn-train")
    model.load_state_dict(state["state_dict"])
    model.eval()
    metrics_file = run / "metrics.json"
    metrics = json.loads(metrics_file.read_text(encoding="utf-8")) if metrics_file.is_file() else {}
    if not metrics.get("history") and state.get("dalearn_history"):
        metrics["history"] = list(state["dalearn_history"])
    return LoadedRun(run, checkpoint, cfg, model, datamodule, metrics)
