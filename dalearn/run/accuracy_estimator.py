"""An estimate of the target accuracy on every run: ATC and DoC per evaluated epoch, recorded as
``val/est/atc`` and ``val/est/doc`` (:mod:`dalearn.validators.accuracy_estimation`), from the
source hold-out's logits and labels and the target-validation predictions the evaluation
computes anyway — no target label is used. A run without a labelled source hold-out
(``data.source_holdout=0`` and no ``data.source.val``) records neither, and says so once.
"""

from __future__ import annotations

import logging
import math
from typing import Mapping

import lightning as L
import torch

from dalearn.run.evaluation_consumer import EvaluationConsumer
from dalearn.validators.accuracy_estimation import AccuracyEstimates

log = logging.getLogger("dalearn")


class AccuracyEstimator(EvaluationConsumer):
    """Records ``val/est/atc`` and ``val/est/doc`` every evaluated epoch (see the module doc).
    ``score``: ATC's confidence score, ``negative_entropy`` (ATC-NE) or ``max_confidence``."""

    def __init__(self, score: str = "negative_entropy") -> None:
        super().__init__()
        self.estimates = AccuracyEstimates(score=score)
        self._warned = False
        self._sides: set[str] = set()

    def start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self.estimates.reset()
        self._sides = set()

    def consume(self, trainer, pl_module, role, logits, x, y, rows) -> None:
        if role == "target_val":
            self.estimates.update(target_probs=torch.softmax(logits.float(), dim=1).cpu())
            self._sides.add("target")
        elif role == "source_val":
            self.estimates.update(source_logits=logits.float().cpu(), source_labels=y.cpu())
            self._sides.add("source")

    def finish(self, trainer: L.Trainer, pl_module: L.LightningModule) -> Mapping[str, float]:
        if self._sides != {"source", "target"}:
            if not self._warned:
                log.info(
                    "no accuracy estimate (ATC, DoC): they need a labelled source hold-out (data.source_holdout > 0)"
                )
                self._warned = True
            return {}
        values = self.estimates.compute()
        return {f"val/est/{name}": value for name, value in values.items() if not math.isnan(value)}
