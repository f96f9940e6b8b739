"""Re-evaluate a trained checkpoint (:func:`evaluate`), the work behind ``dalearn-eval``.

The model and data are rebuilt from the run's ``config.yaml`` (optionally with ``data``
overrides, to test on another domain), the checkpoint's weights are loaded, and top-1 and
mean-per-class accuracy on every evaluation split are logged and written to JSON.

A run directory may come from someone else, and both of its files can carry code. Both are
read by the trusted reader (:mod:`dalearn.io.trusted`): the checkpoint with
a weights-only load (tensors and plain data only), the config after a check of
its whole tree — every ``_target_`` one of the exact callables dalearn's own configs use,
every interpolation one of the safe resolvers — before anything is built; else the error
names the file, the key and the value. ``trust_config=true`` lifts the config check for a
config you have read.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import lightning as L
from omegaconf import DictConfig, OmegaConf

from dalearn.io import atomic_write_json, setup_logging
from dalearn.io.trusted.checkpoints import load_checkpoint
from dalearn.io.trusted.configs import check_config, load_config
from dalearn.run.factory import build_datamodule, build_model, silence_advertisements

log = logging.getLogger("dalearn")


def run_config_path(run_dir: Path) -> Path:
    """The run's composed config: Hydra's unresolved copy when there is one (so that data
    overrides such as a new task propagate through interpolations), else the resolved one."""
    unresolved = run_dir / ".hydra" / "config.yaml"
    return unresolved if unresolved.is_file() else run_dir / "config.yaml"


def default_output(ckpt: Path) -> Path:
    """``<run dir>/eval.json``, refused (before any work) when a file of that name is there and
    is not one ``dalearn-eval`` wrote: dalearn overwrites only what it made."""
    output = ckpt.resolve().parent.parent / "eval.json"
    if output.exists():
        try:
            ours = set(json.loads(output.read_text(encoding="utf-8"))) == {"checkpoint", "data", "results"}
        except (OSError, ValueError, TypeError):
            ours = False
        if not ours:
            raise FileExistsError(
                f"{output} exists and was not written by dalearn-eval; dalearn will not overwrite it: pass "
                f"output=<a new file> to write the results elsewhere"
            )
    return output


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
    output = Path(cfg.output) if cfg.get("output") else default_output(ckpt)
    trust = bool(cfg.get("trust_config"))
    run_cfg = load_config(run_config, key="run_config", trust=trust)
    if cfg.get("data"):
        run_cfg.data = OmegaConf.merge(run_cfg.data, cfg.data)
        check_config(run_cfg, run_config, trust=trust)
    state = load_checkpoint(ckpt, key="ckpt_path", advice="pass a checkpoint a run wrote (checkpoints/best.ckpt)")
    silence_advertisements()
    datamodule = build_datamodule(run_cfg)
    model = build_model(run_cfg, datamodule.num_classes)
    model.load_state_dict(state["state_dict"])
    trainer = L.Trainer(
        accelerator=cfg.trainer.accelerator,
        devices=cfg.trainer.devices,
        logger=False,
        enable_checkpointing=False,
        use_distributed_sampler=False,
        enable_model_summary=False,
    )
    trainer.test(model, datamodule=datamodule, verbose=False)
    result = {"checkpoint": str(ckpt), "data": str(run_cfg.data.name), "results": model.test_results}
    atomic_write_json(output, result)
    for key, value in model.test_results.items():
        log.info("%s: %.2f%%", key, 100 * value)
    log.info("written to %s", output)
    return result
