"""Evaluation entry point: ``dalearn-eval ckpt_path=…`` re-evaluates a trained checkpoint.

The model and data are rebuilt from the run's resolved ``config.yaml`` (optionally with
``data`` overrides, to test on another domain), the checkpoint's weights are loaded, and
top-1 and mean-per-class accuracy on every evaluation split are printed and written to JSON.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import hydra
import lightning as L
import torch
from omegaconf import DictConfig, OmegaConf

from dalearn.config import CONFIG_DIR, build, quiet_known_warnings
from dalearn.rundir import atomic_write_text
from dalearn.train import build_model


def _run_config(run_dir: Path) -> Path:
    """The run's composed config: Hydra's unresolved copy when there is one (so that data
    overrides such as a new task propagate through interpolations), else the resolved one."""
    unresolved = run_dir / ".hydra" / "config.yaml"
    return unresolved if unresolved.is_file() else run_dir / "config.yaml"


def evaluate(cfg: DictConfig) -> dict[str, Any]:
    """Evaluate ``cfg.ckpt_path``; returns ``{"checkpoint", "data", "results"}``."""
    ckpt = Path(cfg.ckpt_path)
    if not ckpt.is_file():
        raise FileNotFoundError(
            f"ckpt_path={ckpt} does not exist; pass a checkpoint a run wrote, e.g. "
            f"outputs/runs/<data>/<method>/seed<k>-<hash>/checkpoints/best.ckpt"
        )
    run_config = Path(cfg.run_config) if cfg.get("run_config") else _run_config(ckpt.resolve().parent.parent)
    if not run_config.is_file():
        raise FileNotFoundError(
            f"cannot find the run's config at {run_config}; pass run_config=<path to the run's config.yaml>"
        )
    run_cfg = OmegaConf.load(run_config)
    if cfg.get("data"):
        run_cfg.data = OmegaConf.merge(run_cfg.data, cfg.data)
    datamodule = build(run_cfg.data)
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
    atomic_write_text(output, json.dumps(result, indent=2, sort_keys=True) + "\n")
    for key, value in model.test_results.items():
        print(f"[dalearn] {key}: {100 * value:.2f}%")
    print(f"[dalearn] written to {output}")
    return result


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="eval")
def main(cfg: DictConfig) -> None:
    quiet_known_warnings()
    evaluate(cfg)


if __name__ == "__main__":
    sys.exit(main())
