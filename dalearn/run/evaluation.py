"""Re-evaluate a trained checkpoint (:func:`evaluate`), the work behind ``dalearn-eval``.

The model and data are rebuilt from the run's ``config.yaml`` (optionally with ``data``
overrides, to test on another domain), the checkpoint's weights are loaded, and top-1 and
mean-per-class accuracy on every evaluation split are logged and written to JSON.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lightning as L
import torch
from omegaconf import DictConfig, OmegaConf

from dalearn.io import atomic_write_json
from dalearn.run.factory import build_datamodule, build_model
from dalearn.run.logs import log, setup_logging


def run_config_path(run_dir: Path) -> Path:
    """The run's composed config: Hydra's unresolved copy when there is one (so that data
    overrides such as a new task propagate through interpolations), else the resolved one."""
    unresolved = run_dir / ".hydra" / "config.yaml"
    return unresolved if unresolved.is_file() else run_dir / "config.yaml"


def evaluate(cfg: DictConfig) -> dict[str, Any]:
    """Evaluate ``cfg.ckpt_path``; returns ``{"checkpoint", "data", "results"}``."""
    setup_logging()
    ckpt = Path(cfg.ckpt_path)
    if not ckpt.is_file():
        raise FileNotFoundError(
            f"ckpt_path={ckpt} does not exist; pass a checkpoint a run wrote, e.g. "
            f"outputs/runs/<data>/<method>/seed<k>-<hash>/checkpoints/best.ckpt"
        )
    run_config = Path(cfg.run_config) if cfg.get("run_config") else run_config_path(ckpt.resolve().parent.parent)
    if not run_config.is_file():
        raise FileNotFoundError(
            f"cannot find the run's config at {run_config}; pass run_config=<path to the run's config.yaml>"
        )
    run_cfg = OmegaConf.load(run_config)
    if cfg.get("data"):
        run_cfg.data = OmegaConf.merge(run_cfg.data, cfg.data)
    datamodule = build_datamodule(run_cfg)
    model = build_model(run_cfg, datamodule.num_classes)
    state = torch.load(ckpt, map_location="cpu", weights_only=False)
    model.load_state_dict(state["state_dict"])
    trainer = L.Trainer(
        accelerator=cfg.trainer.accelerator, devices=cfg.trainer.devices, logger=False,
        enable_checkpointing=False, use_distributed_sampler=False, enable_model_summary=False,
    )
    trainer.test(model, datamodule=datamodule, verbose=False)
    result = {"checkpoint": str(ckpt), "data": str(run_cfg.data.name), "results": model.test_results}
    output = Path(cfg.output) if cfg.get("output") else ckpt.resolve().parent.parent / "eval.json"
    atomic_write_json(output, result)
    for key, value in model.test_results.items():
        log.info("%s: %.2f%%", key, 100 * value)
    log.info("written to %s", output)
    return result
