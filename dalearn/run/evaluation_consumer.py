"""The base of the callbacks that read every evaluation batch's outputs and add numbers to the
epoch's history record: stored target predictions (:mod:`dalearn.run.prediction_recorder`), the
accuracy estimates (:mod:`dalearn.run.accuracy_estimator`) and MixVal
(:mod:`dalearn.run.mixval_probe`).

The method's ``validation_step`` returns ``{"role", "logits"}`` for each batch
(:class:`dalearn.methods.base.DomainAdaptationModule`), which Lightning passes to every
callback's ``on_validation_batch_end``; so these callbacks cost no extra forward pass. The
epoch's numbers are computed in ``on_validation_epoch_end`` (and logged), and merged into the
record the method appends to its ``history`` (saved in checkpoints, read by selection) in
``on_validation_end``, which Lightning calls after the method's own epoch end — and before the
checkpoint callbacks (Lightning runs every ``Checkpoint`` last), so ``last.ckpt`` and
``best.ckpt`` see the complete record.

Only validation epochs of ``fit`` and ``validate`` are read; the sanity check and ``test`` are not.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

import lightning as L
import torch
from lightning.pytorch.trainer.states import TrainerFn

from dalearn.run.validation_batch_hook import ValidationBatchHook


def _loaders(trainer: L.Trainer) -> list[Any]:
    loaders = trainer.val_dataloaders
    if loaders is None:
        return []
    return list(loaders) if isinstance(loaders, (list, tuple)) else [loaders]


class EvaluationConsumer(ValidationBatchHook):
    """Subclasses implement :meth:`start`, :meth:`consume` and :meth:`finish` (and may use
    :meth:`after_record`); see the module doc."""

    def __init__(self) -> None:
        self._pending: dict[str, float] = {}
        self._records_before: Optional[int] = None
        self._offsets: dict[int, int] = {}
        self._indices: dict[int, Optional[list[int]]] = {}

    # ------------------------------------------------------------------ for subclasses
    def start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        """A validation epoch begins."""

    def consume(
        self,
        trainer: L.Trainer,
        pl_module: L.LightningModule,
        role: str,
        logits: torch.Tensor,
        x: torch.Tensor,
        y: torch.Tensor,
        rows: torch.Tensor,
    ) -> None:
        """One evaluation batch of loader ``role`` (``target_val``, ``target_test``, ``source_val``):
        its logits, inputs, labels and the rows' indices in that loader's dataset."""

    def finish(self, trainer: L.Trainer, pl_module: L.LightningModule) -> Mapping[str, float]:
        """The epoch's numbers for the history record (logged too)."""
        return {}

    def after_record(self, trainer: L.Trainer, pl_module: L.LightningModule, record: dict) -> None:
        """The epoch's history record is complete (with this callback's numbers)."""

    # ------------------------------------------------------------------ plumbing
    @staticmethod
    def active(trainer: L.Trainer) -> bool:
        return not trainer.sanity_checking and trainer.state.fn in (TrainerFn.FITTING, TrainerFn.VALIDATING)

    def rows(self, trainer: L.Trainer, dataloader_idx: int, count: int) -> torch.Tensor:
        """The dataset indices of the next ``count`` rows of loader ``dataloader_idx`` (its
        sampler's order: dalearn's evaluation loaders are unshuffled shards)."""
        if dataloader_idx not in self._indices:
            loaders = _loaders(trainer)
            sampler = getattr(loaders[dataloader_idx], "sampler", None) if dataloader_idx < len(loaders) else None
            try:
                self._indices[dataloader_idx] = [int(i) for i in sampler] if sampler is not None else None
            except TypeError:
                self._indices[dataloader_idx] = None
        offset = self._offsets.get(dataloader_idx, 0)
        self._offsets[dataloader_idx] = offset + count
        indices = self._indices[dataloader_idx]
        if indices is None:
            return torch.arange(offset, offset + count)
        return torch.tensor(indices[offset : offset + count], dtype=torch.long)

    def on_validation_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._pending, self._offsets, self._indices = {}, {}, {}
        if not self.active(trainer):
            self._records_before = None
            return
        self._records_before = len(getattr(pl_module, "history", []))
        self.start(trainer, pl_module)

    def validation_batch(
        self, trainer: L.Trainer, pl_module: L.LightningModule, outputs: Any, batch: Any, dataloader_idx: int
    ) -> None:
        if self._records_before is None or not isinstance(outputs, Mapping) or "logits" not in outputs:
            return
        x, y = batch
        rows = self.rows(trainer, dataloader_idx, int(outputs["logits"].size(0)))
        self.consume(trainer, pl_module, str(outputs["role"]), outputs["logits"], x, y, rows)

    def on_validation_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if self._records_before is None:
            return
        self._pending = {key: float(value) for key, value in dict(self.finish(trainer, pl_module)).items()}
        for key, value in self._pending.items():
            pl_module.log(key, value, add_dataloader_idx=False, sync_dist=False)

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        history = getattr(pl_module, "history", None)
        if self._records_before is None or history is None or len(history) <= self._records_before:
            return
        record = history[-1]
        record.update(self._pending)
        self.after_record(trainer, pl_module, record)
        self._pending = {}
