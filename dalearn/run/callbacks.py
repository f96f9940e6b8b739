"""Lightning callbacks of every run: per-epoch reseeding and the final record."""

from __future__ import annotations

import lightning as L
from lightning.fabric.utilities.seed import seed_everything

from dalearn.run.rundir import RunDirectory
from dalearn.selection import DEFAULT_ORACLE_METRIC, summarize


class EpochSeeder(L.Callback):
    """Reseed Python, NumPy and torch at the start of every training epoch from (seed, epoch).

    Augmentation, dropout and worker seeds then depend only on the epoch, not on what ran
    before, so a run resumed from an epoch checkpoint continues bit-for-bit like an
    uninterrupted one (on CPU).
    """

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)

    def on_train_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        seed_everything((self.seed * 1_000_003 + trainer.current_epoch) % (2**32 - 1), workers=True, verbose=False)


class RunRecorder(L.Callback):
    """At the end of fitting, rank 0 writes ``metrics.json`` (the selection rule's pick over the
    module's history, :func:`dalearn.selection.summarize` — the picker ``best.ckpt`` follows too)
    and then the ``done`` marker."""

    def __init__(self, run_dir: str, selection: str, oracle_metric: str = DEFAULT_ORACLE_METRIC) -> None:
        self.run = RunDirectory(run_dir)
        self.selection = selection
        self.oracle_metric = oracle_metric

    def on_fit_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.global_rank != 0 or trainer.interrupted or not pl_module.history:
            return
        metrics = summarize(pl_module.history, self.selection, self.oracle_metric)
        metrics["method"] = getattr(pl_module, "name", type(pl_module).__name__)
        # the scores the method's loss maximises: a sweep's ranking never lets them pick this run
        metrics["trains_on"] = sorted(getattr(pl_module, "trained_scores", ()))
        metrics["epochs"] = trainer.max_epochs
        self.run.write_metrics(metrics)
        self.run.mark_done()
