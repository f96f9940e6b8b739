"""Re-evaluate a trained checkpoint (:func:`evaluate`), the work behind ``dalearn-eval``.

The model and data are rebuilt from the run's ``config.yaml`` (optionally with ``data``
overrides, to test on another domain), the checkpoint's weights are loaded, and top-1 and
mean-per-class accuracy on every evaluation split are logged and written to JSON.

A run directory may come from someone else, and both of its files can carry code:

- the checkpoint is read with ``torch.load(weights_only=True)``
  (:func:`dalearn.run.checkpoint_io.load_checkpoint`): tensors and plain data only;
- every ``_target_`` in the parts of ``config.yaml`` that are built (``data``, ``backbone``,
  ``method``, ``optim``) must lie in :data:`TRUSTED_NAMESPACES` and outside
  :data:`REFUSED_TARGETS` (:func:`check_targets`) — else nothing is built and the error names
  the key and the target. ``trust_config=true`` lifts this check for a config you have read.

This is a guard against a config naming an arbitrary callable (``builtins.open``,
``os.system``), not a sandbox: the allowed libraries' own functions still run with the
arguments the config gives them.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Iterator

import lightning as L
from omegaconf import DictConfig, OmegaConf

from dalearn.io import atomic_write_json, setup_logging
from dalearn.run.checkpoint_io import load_checkpoint
from dalearn.run.factory import build_datamodule, build_model, silence_advertisements

log = logging.getLogger("dalearn")


def run_config_path(run_dir: Path) -> Path:
    """The run's composed config: Hydra's unresolved copy when there is one (so that data
    overrides such as a new task propagate through interpolations), else the resolved one."""
    unresolved = run_dir / ".hydra" / "config.yaml"
    return unresolved if unresolved.is_file() else run_dir / "config.yaml"


TRUSTED_NAMESPACES = ("dalearn.", "torch.", "torchvision.", "timm.", "torchmetrics.", "lightning.")
REFUSED_TARGETS = (
    "dalearn.io",
    "dalearn.run",
    "dalearn.cli",
    "dalearn.drift.output",
    "torch.hub",
    "torch.load",
    "torch.save",
    "torch.jit",
    "torch.package",
    "torch.serialization",
    "torch.utils.cpp_extension",
    "torch.ops",
    "torch.classes",
    "torch.library",
    "torch.distributed",
    "torch.multiprocessing",
    "torchvision.io",
    "timm.models.load_checkpoint",
    "lightning.fabric.utilities.cloud_io",
    "lightning.pytorch.cli",
)
BUILT_KEYS = ("data", "backbone", "method", "optim")


def _targets(node: Any, where: str) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "_target_":
                yield where, value
            else:
                yield from _targets(value, f"{where}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _targets(value, f"{where}[{index}]")


def trusted_target(target: Any) -> bool:
    """True for a ``_target_`` in :data:`TRUSTED_NAMESPACES` and not in :data:`REFUSED_TARGETS`."""
    name = str(target)
    if not name.startswith(TRUSTED_NAMESPACES) or not all(part.isidentifier() for part in name.split(".")):
        return False
    return not any(name == refused or name.startswith(refused + ".") for refused in REFUSED_TARGETS)


def check_targets(run_cfg: DictConfig, source: Path) -> None:
    """Refuse, before anything is built, a run config whose built parts name a ``_target_``
    outside dalearn and the libraries it builds on (see the module docstring)."""
    for key in BUILT_KEYS:
        node = run_cfg.get(key)
        if not OmegaConf.is_config(node):
            continue
        for where, target in _targets(OmegaConf.to_container(node, resolve=True), key):
            if not trusted_target(target):
                raise PermissionError(
                    f"{source} asks to build {where}._target_={target!r}, which is outside what dalearn-eval builds "
                    f"from a run directory ({', '.join(n.rstrip('.') for n in TRUSTED_NAMESPACES)}; not "
                    f"{', '.join(REFUSED_TARGETS[:4])}, …). A config can name any Python callable and it would run: "
                    "read the config, and if you trust it pass trust_config=true"
                )


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
    if not cfg.get("trust_config"):
        check_targets(run_cfg, run_config)
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
    output = Path(cfg.output) if cfg.get("output") else ckpt.resolve().parent.parent / "eval.json"
    atomic_write_json(output, result)
    for key, value in model.test_results.items():
        log.info("%s: %.2f%%", key, 100 * value)
    log.info("written to %s", output)
    return result
