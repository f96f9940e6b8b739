"""The base of dalearn's callbacks that read each evaluation batch: Lightning's
``on_validation_batch_end`` (six arguments, of which they read four) narrowed to
:meth:`ValidationBatchHook.validation_batch`, so each callback states only what it does with a
batch — the collapse check against a reference model (:mod:`dalearn.run.collapse_monitor`), the
domain gap between the feature sets (:mod:`dalearn.run.domain_gap_monitor`) and the consumers of
the method's logits (:mod:`dalearn.run.evaluation_consumer`)."""

from __future__ import annotations

from typing import Any

import lightning as L


class ValidationBatchHook(L.Callback):
    """A callback whose :meth:`validation_batch` sees every validation batch, with the index of
    the loader it came from (the DataModule's ``eval_roles`` name each loader)."""

    def validation_batch(
        self, trainer: L.Trainer, pl_module: L.LightningModule, outputs: Any, batch: Any, dataloader_idx: int
    ) -> None:
        """One validation batch: ``outputs`` is what the method's ``validation_step`` returned."""

    def on_validation_batch_end(
        self,
        trainer: L.Trainer,
        pl_module: L.LightningModule,
        outputs: Any,
        batch: Any,
        batch_idx: int,
        dataloader_idx: int = 0,
    ) -> None:
        self.validation_batch(trainer, pl_module, outputs, batch, dataloader_idx)
