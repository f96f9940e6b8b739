"""One training run as a plain function of its composed config (:func:`train`).

The run directory is named by a hash of what the run computes; a finished run is not
trained again, a killed one is resumed on request or started over.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import lightning as L
from omegaconf import DictConfig, OmegaConf

from dalearn.io import atomic_write_text
from dalearn.run.factory import build_datamodule, build_model, build_trainer, set_cpu_threads
from dalearn.run.logs import log, setup_logging
from dalearn.run.rundir import RunDirectory
from dalearn.run.selection import check_validators


def check_selection(cfg: DictConfig) -> None:
    """Refuse, before any work, a selection rule the data cannot serve: ``src_val`` picks the
    epoch by accuracy on the held-out source split, which exists only when
    ``data.source_holdout > 0``."""
    if cfg.selection.rule == "src_val" and not float(cfg.data.get("source_holdout") or 0.0) > 0.0:
        raise ValueError(
            f"selection=src_val selects on a held-out source split, but data.source_holdout="
            f"{cfg.data.get('source_holdout')}: set data.source_holdout to a fraction such as 0.1, "
            "or choose selection=oracle or selection=last"
        )
    check_validators(cfg)


def checkpoint_to_resume(cfg: DictConfig, run: RunDirectory) -> Optional[str]:
    """The checkpoint ``fit`` starts from: ``ckpt_path``, the run's ``last.ckpt`` with
    ``resume=true``, or none (an earlier unfinished attempt is cleared)."""
    if cfg.get("ckpt_path"):
        path = Path(cfg.ckpt_path)
        if not path.is_file():
            raise FileNotFoundError(
                f"ckpt_path={path} does not exist; give a checkpoint file (a run's checkpoints/last.ckpt or "
                f"best.ckpt), or pass resume=true to continue this run from {run.checkpoints / 'last.ckpt'}"
            )
        return str(path)
    found = run.resumable_checkpoint()
    if cfg.get("resume"):
        if found is None:
            log.info("resume=true but %s holds no last.ckpt: starting from scratch", run.checkpoints)
            return None
        log.info("resuming from %s", found)
        return str(found)
    if found is not None:
        log.info("an unfinished earlier attempt left %s; starting over (pass resume=true to continue it)", found)
        run.clear_results()
    return None


def train(cfg: DictConfig) -> tuple[dict[str, Any], dict[str, Any]]:
    """Train one run as configured.

    Returns ``(metrics, objects)``: the ``metrics.json`` content and the ``trainer``,
    ``model`` and ``datamodule`` (empty when the run had already finished).
    """
    setup_logging()
    run = RunDirectory(cfg.paths.run_dir)
    if run.is_complete() and not cfg.get("overwrite"):
        metrics = run.read_metrics()
        log.info("this run already finished: %s (pass overwrite=true to train it again)", run.path)
        log_summary(metrics, run)
        return metrics, {}
    if cfg.get("overwrite"):
        run.clear_results()
    check_selection(cfg)
    ckpt_path = checkpoint_to_resume(cfg, run)
    set_cpu_threads(cfg)
    L.seed_everything(cfg.seed, workers=True, verbose=False)
    datamodule = build_datamodule(cfg)
    model = build_model(cfg, datamodule.num_classes)
    trainer = build_trainer(cfg)
    atomic_write_text(run.config, OmegaConf.to_yaml(cfg, resolve=True))
    log.info(
        "%s on %s, seed %s, %s epochs × %s iterations; run directory %s", cfg.method.name, cfg.data.name,
        cfg.seed, cfg.trainer.max_epochs, cfg.data.iters_per_epoch, run.path,
    )
    for line in datamodule.describe().splitlines():
        log.info("  %s", line)
    trainer.fit(model, datamodule=datamodule, ckpt_path=ckpt_path)
    if trainer.interrupted:
        raise KeyboardInterrupt(f"training interrupted; continue with resume=true (run directory {run.path})")
    metrics = run.read_metrics()
    log_summary(metrics, run)
    return metrics, {"trainer": trainer, "model": model, "datamodule": datamodule}


def log_summary(metrics: dict[str, Any], run: RunDirectory) -> None:
    """The two closing lines: the selected accuracies and where the files are."""
    source = f"source accuracy {100 * metrics['src_acc']:.2f}% (held-out source), " if "src_acc" in metrics else ""
    log.info(
        "%starget accuracy %.2f%% (%s), mean per class %.2f%% — selection=%s, epoch %s", source,
        100 * metrics["tgt_acc"], metrics["tgt_eval_split"], 100 * metrics["tgt_mean_class_acc"],
        metrics["selection"], metrics["epoch"],
    )
    log.info("results saved in %s (metrics.json, config.yaml, checkpoints/, logs/)", run.path.resolve())
