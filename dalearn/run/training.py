"""One training run as a plain function of its composed config (:func:`train`).

The run directory is named by a hash of what the run computes; a finished run is not
trained again, a killed one is resumed on request or started over. dalearn writes into the
folder, and clears it, only when it is this run's directory (:meth:`RunDirectory.claim`,
checked before any work); clearing removes only the files dalearn writes.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Optional

import lightning as L
from omegaconf import DictConfig, OmegaConf

from dalearn.io import atomic_write_text, remove_stale_temporaries, setup_logging
from dalearn.io.ownership import path_part
from dalearn.io.trusted.checkpoints import load_checkpoint
from dalearn.run.factory import build_datamodule, build_model, build_trainer, set_cpu_threads
from dalearn.run.lock import RunLock
from dalearn.run.resolvers import run_hash
from dalearn.run.rundir import CHECKPOINT_NAMES, RunDirectory
from dalearn.run.selection import check_objective, check_validators, has_source_holdout

log = logging.getLogger("dalearn")


def check_selection(cfg: DictConfig) -> None:
    """Refuse, before any work, a selection rule the data cannot serve: ``src_val`` picks the
    epoch by accuracy on the held-out source split, which exists only when
    ``data.source_holdout > 0`` or with a ``data.source.val`` set."""
    if cfg.selection.rule == "src_val" and not has_source_holdout(cfg):
        raise ValueError(
            f"selection=src_val selects on a held-out source split, but data.source_holdout="
            f"{cfg.data.get('source_holdout')}: set data.source_holdout to a fraction such as 0.1, "
            "or give data.source.val, or choose selection=oracle or selection=last"
        )
    check_validators(cfg)
    check_objective(cfg)


def check_epochs(cfg: DictConfig) -> None:
    """Refuse a run that would never end: ``trainer.max_epochs=-1`` (Lightning: no epoch
    limit) without a ``trainer.max_steps`` to stop it."""
    max_epochs, max_steps = cfg.trainer.get("max_epochs"), cfg.trainer.get("max_steps")
    bounded_steps = isinstance(max_steps, int) and max_steps > 0
    if max_epochs is not None and int(max_epochs) < 0 and not bounded_steps:
        raise ValueError(
            f"trainer.max_epochs={max_epochs} means no epoch limit, and trainer.max_steps "
            f"{'is not set' if max_steps is None else f'={max_steps} sets no step limit'} either: the run would never "
            "end. Give trainer.max_epochs a positive number of epochs, or set +trainer.max_steps to a positive number "
            "of optimiser steps"
        )
    if max_epochs is not None and int(max_epochs) == 0:
        raise ValueError("trainer.max_epochs=0 trains nothing: give a positive number of epochs")


def check_path_parts(cfg: DictConfig) -> None:
    """Refuse names that become folder names of the run's path (``data.name``, ``method.name``)
    when they would lead out of it (a separator, ``..``, an absolute path). Hydra's run
    directory checks them too (``${path_part:…}`` in conf/paths); this covers ``train(cfg)``
    called from Python."""
    for key in ("data.name", "method.name"):
        value = OmegaConf.select(cfg, key, default=None)
        if value is not None:
            path_part(value, key)


def checkpoint_names(cfg: DictConfig) -> list[str]:
    """The checkpoint files the run's callbacks write (``<filename>.ckpt`` of each callback with
    a ``filename``), and dalearn's own names: what clearing an earlier attempt may delete."""
    names = list(CHECKPOINT_NAMES)
    for callback in (cfg.get("callbacks") or {}).values():
        filename = callback.get("filename") if OmegaConf.is_config(callback) else None
        if filename and f"{filename}.ckpt" not in names:
            names.append(f"{filename}.ckpt")
    return names


def checkpoint_to_resume(cfg: DictConfig, run: RunDirectory) -> Optional[dict[str, Any]]:
    """The checkpoint ``fit`` starts from: ``ckpt_path``, the run's ``last.ckpt`` with
    ``resume=true``, or none (an earlier unfinished attempt is cleared).

    The file is opened here, before any data or model is built, with the same safe loader
    ``fit`` uses (:func:`dalearn.run.checkpoint_io.load_checkpoint`), so a text file, a
    truncated checkpoint or one that would run code is refused at once with a message that
    names it. Returns ``{"path", "global_step"}`` or ``None``.
    """
    if cfg.get("ckpt_path"):
        path = Path(cfg.ckpt_path)
        advice = (
            f"give a checkpoint file (a run's checkpoints/last.ckpt or best.ckpt), or pass resume=true to "
            f"continue this run from {run.checkpoints / 'last.ckpt'}"
        )
        return _open_checkpoint(path, "ckpt_path", advice)
    found = run.resumable_checkpoint()
    if cfg.get("resume"):
        if found is None:
            log.info("resume=true but %s holds no last.ckpt: starting from scratch", run.checkpoints)
            return None
        advice = (
            f"it cannot be resumed from: delete it (or run without resume=true, which starts this run over), "
            f"or pass ckpt_path={run.checkpoints / 'best.ckpt'} if that one is intact"
        )
        opened = _open_checkpoint(found, "resume=true: the run's checkpoint", advice)
        log.info("resuming from %s", found)
        return opened
    if found is not None:
        if _is_rank_zero():
            log.info("an unfinished earlier attempt left %s; starting over (pass resume=true to continue it)", found)
            run.clear_results(checkpoint_names(cfg))
    return None


def _open_checkpoint(path: Path, key: str, advice: str) -> dict[str, Any]:
    checkpoint = load_checkpoint(path, key=key, advice=advice, mmap=True)
    return {"path": str(path), "global_step": int(checkpoint.get("global_step", 0))}


def _is_rank_zero() -> bool:
    """False in the extra processes of a DDP launch that re-executes the command (Lightning's
    ``ddp`` strategy, SLURM): they join the run rank 0 has locked and prepared."""
    from lightning.fabric.utilities.rank_zero import _get_rank

    return (_get_rank() or 0) == 0


def train(cfg: DictConfig) -> tuple[dict[str, Any], dict[str, Any]]:
    """Train one run as configured.

    Returns ``(metrics, objects)``: the ``metrics.json`` content and the ``trainer``,
    ``model`` and ``datamodule`` (empty when the run had already finished).

    The run directory is claimed first (:meth:`RunDirectory.claim`: a folder that is not this
    run's directory is refused before any work) and locked for the whole call
    (:class:`dalearn.run.lock.RunLock`): a second process on the same configuration is refused
    with the holder's pid and host, and nothing is deleted while another process owns the
    directory. Only rank 0 claims and locks.
    """
    setup_logging()
    check_epochs(cfg)
    check_selection(cfg)
    check_path_parts(cfg)
    run = RunDirectory(cfg.paths.run_dir)
    if not _is_rank_zero():
        return _train(cfg, run)
    run.claim(run_hash(cfg))
    with RunLock(run.path):
        removed = remove_stale_temporaries(run.checkpoints)
        if removed:
            log.info("removed %d temporary file(s) a killed process left in %s", len(removed), run.checkpoints)
        return _train(cfg, run)


def _train(cfg: DictConfig, run: RunDirectory) -> tuple[dict[str, Any], dict[str, Any]]:
    if run.is_complete() and not cfg.get("overwrite"):
        metrics = run.read_metrics()
        log.info("this run already finished: %s (pass overwrite=true to train it again)", run.path)
        log_summary(metrics, run)
        return metrics, {}
    if cfg.get("overwrite") and _is_rank_zero():
        run.clear_results(checkpoint_names(cfg))
    resume = checkpoint_to_resume(cfg, run)
    set_cpu_threads(cfg)
    L.seed_everything(cfg.seed, workers=True, verbose=False)
    datamodule = build_datamodule(cfg)
    model = build_model(cfg, datamodule.num_classes)
    trainer = build_trainer(cfg, resume_step=resume["global_step"] if resume else None)
    atomic_write_text(run.config, OmegaConf.to_yaml(cfg, resolve=True))
    log.info(
        "%s on %s, seed %s, %s epochs × %s iterations; run directory %s",
        cfg.method.name,
        cfg.data.name,
        cfg.seed,
        cfg.trainer.max_epochs,
        cfg.data.iters_per_epoch,
        run.path,
    )
    for line in datamodule.describe().splitlines():
        log.info("  %s", line)
    try:
        trainer.fit(model, datamodule=datamodule, ckpt_path=resume["path"] if resume else None, weights_only=True)
    except (KeyboardInterrupt, SystemExit):
        if trainer.interrupted:
            log.warning("training interrupted; continue it with resume=true (run directory %s)", run.path)
        raise
    if trainer.interrupted:
        raise KeyboardInterrupt(f"training interrupted; continue with resume=true (run directory {run.path})")
    metrics = run.read_metrics()
    log_summary(metrics, run)
    return metrics, {"trainer": trainer, "model": model, "datamodule": datamodule}


def estimate_words(metrics: dict[str, Any]) -> str:
    """``; estimated target accuracy 71 % (ATC, no target label used)`` when the selected epoch
    has the estimate, else nothing."""
    estimate = metrics.get("est_atc")
    if not isinstance(estimate, (int, float)) or estimate != estimate:
        return ""
    return f"; estimated target accuracy {100 * estimate:.0f} % (ATC, no target label used)"


def log_summary(metrics: dict[str, Any], run: RunDirectory) -> None:
    """The two closing lines: the selected accuracies (with the label-free estimate beside the
    labelled number) and where the files are."""
    source = f"source accuracy {100 * metrics['src_acc']:.2f}% (held-out source), " if "src_acc" in metrics else ""
    log.info(
        "%starget accuracy %.2f%% (%s), mean per class %.2f%%%s — selection=%s, epoch %s",
        source,
        100 * metrics["tgt_acc"],
        metrics["tgt_eval_split"],
        100 * metrics["tgt_mean_class_acc"],
        estimate_words(metrics),
        metrics["selection"],
        metrics["epoch"],
    )
    log.info(
        "results saved in %s (metrics.json, config.yaml, predictions.npz, checkpoints/, logs/)", run.path.resolve()
    )
