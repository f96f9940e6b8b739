"""MixVal every evaluated epoch (:mod:`dalearn.validators.mixval`): the model is probed with mixed
target images, recorded as ``val/score/mixval`` (and its two parts ``val/score/mixval_intra``,
``val/score/mixval_inter``), so that ``selection=mixval`` picks a run's epoch by it and
``dalearn-select --by mixval`` ranks a sweep by it.

MixVal needs the model and the target images, not only the logits a validator sees, so it is
a callback: during the evaluation of the target-validation set it keeps the images (as the
model sees them, after the evaluation transform) and predictions of a **fixed subset of
``subset`` images** — the same for every epoch and every run of a task, drawn once from the
set's size with ``seed`` — and at the end of the epoch runs the model, in evaluation mode and
without gradients, on at most 2·``subset`` mixed images. Cost at the default 512: ≈ 1 000 extra
forward passes an epoch — for LeNet on one CPU core 0.4 s (the first epoch's log line says it),
≈ 3 % of a 100-iteration Digits epoch (two DANN epochs: 28.8 s without, 32.3 s with, on the
shared 2-core machine) and ≈ 1 % of a Fashion-MNIST one — and memory for 512 images. Under DDP each process probes the anchors of its shard and
the scores are averaged over the processes.
"""

from __future__ import annotations

import logging
import time
from typing import Mapping

import lightning as L
import torch

from dalearn.run.evaluation_consumer import EvaluationConsumer
from dalearn.validators.mixval import LAMBDA, mixval

log = logging.getLogger("dalearn")

ROLE = "target_val"


class MixValProbe(EvaluationConsumer):
    """Records ``val/score/mixval`` (see the module doc). ``subset``: anchors (0 = every
    target-validation image); ``lam``: the anchor's weight in a mix (> 0.5); ``seed``: the
    draw of the subset and of the partners."""

    def __init__(self, subset: int = 512, lam: float = LAMBDA, seed: int = 0, batch_size: int = 256) -> None:
        super().__init__()
        if subset < 0:
            raise ValueError(f"callbacks.mixval.subset must be ≥ 0 (0: every image), got {subset}")
        self.subset, self.lam, self.seed, self.batch_size = int(subset), float(lam), int(seed), int(batch_size)
        self._chosen: torch.Tensor | None = None
        self._images: list[torch.Tensor] = []
        self._probs: list[torch.Tensor] = []
        self._timed = False

    def _anchors(self, trainer: L.Trainer) -> torch.Tensor | None:
        """A boolean mask over the target-validation set: the fixed subset (None: every image)."""
        if self._chosen is None:
            datamodule = getattr(trainer, "datamodule", None)
            roles = list(getattr(datamodule, "eval_roles", [ROLE]))
            loaders = trainer.val_dataloaders
            loader = loaders[roles.index(ROLE)] if isinstance(loaders, (list, tuple)) else loaders
            size = len(loader.dataset)
            if self.subset == 0 or self.subset >= size:
                self._chosen = torch.ones(size, dtype=torch.bool)
            else:
                generator = torch.Generator().manual_seed(self.seed)
                mask = torch.zeros(size, dtype=torch.bool)
                mask[torch.randperm(size, generator=generator)[: self.subset]] = True
                self._chosen = mask
        return self._chosen

    def start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._images, self._probs = [], []

    def consume(self, trainer, pl_module, role, logits, x, y, rows) -> None:
        if role != ROLE:
            return
        keep = self._anchors(trainer)[rows].to(x.device)
        if bool(keep.any()):
            self._images.append(x[keep])
            self._probs.append(torch.softmax(logits[keep].float(), dim=1))

    def finish(self, trainer: L.Trainer, pl_module: L.LightningModule) -> Mapping[str, float]:
        if not self._images:
            return {}
        started = time.perf_counter()
        result = mixval(
            pl_module, torch.cat(self._images), torch.cat(self._probs), self.lam, self.seed, self.batch_size
        )
        parts = torch.tensor([result.intra, result.inter], dtype=torch.float32, device=pl_module.device)
        intra, inter = (float(v) for v in trainer.strategy.reduce(parts, reduce_op="mean"))
        if not self._timed:
            log.info(
                "MixVal: %d intra- and %d inter-cluster probes in %.2f s (callbacks.mixval.subset=%d)",
                result.n_intra,
                result.n_inter,
                time.perf_counter() - started,
                self.subset,
            )
            self._timed = True
        self._images, self._probs = [], []
        return {
            "val/score/mixval": (intra + inter) / 2.0,
            "val/score/mixval_intra": intra,
            "val/score/mixval_inter": inter,
        }
