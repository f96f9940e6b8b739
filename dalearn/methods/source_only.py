"""Source-Only: cross-entropy on the labelled source, no adaptation (the baseline)."""

from __future__ import annotations

from typing import Any, Mapping, Optional

import torch
from torch import nn

from dalearn.methods.base import DomainAdaptationModule, cross_entropy
from dalearn.nn import ImageClassifier, bottleneck


class SourceOnly(DomainAdaptationModule):
    """backbone → [bottleneck] → Linear(C), trained on the source only. The recipe has no
    bottleneck (``bottleneck_dim=0``); the target batch is not forwarded."""

    name = "source_only"
    provides = frozenset({"logits_s", "features_s"})

    def __init__(
        self,
        backbone: nn.Module,
        num_classes: int,
        optim: Optional[Mapping[str, Any]] = None,
        bottleneck_dim: int = 0,
        trade_off: float = 0.0,
        regularizers: Optional[Mapping[str, Any]] = None,
    ) -> None:
        super().__init__(backbone, num_classes, optim, trade_off, regularizers)
        neck = bottleneck(backbone.out_features, bottleneck_dim) if bottleneck_dim else None
        self.classifier = ImageClassifier(backbone, num_classes, neck, bottleneck_dim or None)

    def compute_losses(self, x_s: torch.Tensor, y_s: torch.Tensor, x_t: torch.Tensor) -> dict[str, torch.Tensor]:
        logits, features = self.classifier(x_s)
        cls_loss = cross_entropy(logits, y_s)
        return {
            "loss": cls_loss,
            "cls_loss": cls_loss,
            "transfer_loss": torch.zeros_like(cls_loss),
            "logits_s": logits,
            "features_s": features,
        }
