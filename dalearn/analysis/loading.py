"""Rebuild a trained run — its data, its model and the selected checkpoint's weights — from
its directory (or from one of its checkpoints).

A run directory may come from someone else: both files are read by the trusted reader
(:mod:`dalearn.io.trusted`). The configuration is checked before anything is built — every
``_target_`` one of the callables dalearn's own configs use, every interpolation one of the
safe resolvers — unless the user passes ``--trust-config``; weights are read with
a weights-only load, so a checkpoint cannot run code when it is loaded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from omegaconf import DictConfig, OmegaConf

from dalearn.io.trusted.checkpoints import load_checkpoint
from dalearn.io.trusted.configs import check_config, load_config
from dalearn.run.factory import build_datamodule, build_model

TRUST_HINT = "--trust-config"

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


def load_run_config(config_file: str | Path, trust: bool = False, key: str = "config") -> DictConfig:
    """The run's resolved configuration (``config.yaml``, written by ``dalearn-train``), checked
    by the trusted reader unless ``trust``."""
    return load_config(config_file, key=key, trust=trust, trust_hint=TRUST_HINT)


@dataclass
class RunFiles:
    """A run's files, read and checked (nothing built yet)."""

    path: Path
    checkpoint: Path
    config: DictConfig
    state: dict[str, Any]


def read_run(
    path: str | Path,
    config: Optional[str | Path] = None,
    data_overrides: Optional[dict] = None,
    trust: bool = False,
    role: str = "run",
) -> RunFiles:
    """Read the run at ``path`` (see :func:`locate`) through the trusted reader: its config,
    checked (with ``data_overrides`` merged), and its checkpoint's tensors; ``role`` (``run``,
    ``baseline``) names it in the errors. Nothing is built."""
    run, checkpoint, config_file = locate(path, config)
    cfg = load_run_config(config_file, trust, key=f"the {role}'s config")
    if data_overrides:
        cfg.data = OmegaConf.merge(cfg.data, data_overrides)
        check_config(cfg, config_file, trust=trust, trust_hint=TRUST_HINT)
    state = load_checkpoint(
        checkpoint, key=f"the {role}'s checkpoint", advice="give a run directory or checkpoint written by dalearn-train"
    )
    return RunFiles(run, checkpoint, cfg, state)


def build_run(files: RunFiles) -> LoadedRun:
    """The run of ``files`` rebuilt in evaluation mode on the CPU."""
    cfg, state = files.config, files.state
    datamodule = build_datamodule(cfg)
    model = build_model(cfg, datamodule.num_classes)
    model.load_state_dict(state["state_dict"])
    model.eval()
    metrics_file = files.path / "metrics.json"
    metrics = json.loads(metrics_file.read_text(encoding="utf-8")) if metrics_file.is_file() else {}
    if not metrics.get("history") and state.get("dalearn_history"):
        metrics["history"] = list(state["dalearn_history"])
    return LoadedRun(files.path, files.checkpoint, cfg, model, datamodule, metrics)
