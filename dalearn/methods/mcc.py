"""MCC alone (Jin et al., 2020, "Minimum Class Confusion for Versatile Domain Adaptation"):
cross-entropy on the source plus the minimum class confusion of the target predictions,
without any other alignment — Transfer-Learning-Library's MCC baseline.
loss = CE(y_s) + trade_off · L_mcc(y_t / T) (:class:`dalearn.losses.MinimumClassConfusionLoss`).
MCC on top of another method is ``method.regularizers.mcc`` (e.g. ``method=cdan_mcc``)."""

from __future__ import annotations

from typing import Any, Mapping, Optional

import torch
from torch import nn

from dalearn.losses import MinimumClassConfusionLoss
from dalearn.methods.base import DomainAdaptationModule, cross_entropy, split_batch
from dalearn.nn import ImageClassifier, bottleneck


class MCC(DomainAdaptationModule):
    """Bottleneck Linear–BN–ReLU of ``bottleneck_dim`` (1024 in the recipes); temperature T
    (2.5); one forward of cat(x_s, x_t)."""

    name = "mcc"
    provides = frozenset({"logits_s", "logits_t", "features_s", "features_t"})

    def __init__(
        self,
        backbone: nn.Module,
        num_classes: int,
        optim: Optional[Mapping[str, Any]] = None,
        trade_off: float = 1.0,
        temperature: float = 2.5,
        bottleneck_dim: int = 1024,
        regularizers: Optional[Mapping[str, Any]] = None,
    ) -> None:
        super().__init__(backbone, num_classes, optim, trade_off, regularizers)
        self.classifier = ImageClassifier(
            backbone, num_classes, bottleneck(backbone.out_features, bottleneck_dim), bottleneck_dim
        )
        self.mcc = MinimumClassConfusionLoss(temperature)

    def compute_losses(self, x_s: torch.Tensor, y_s: torch.Tensor, x_t: torch.Tensor) -> dict[str, torch.Tensor]:
        logits, features = self.classifier(torch.cat([x_s, x_t]))
        y_s_hat, y_t_hat = split_batch(logits, x_s.size(0))
        f_s, f_t = split_batch(features, x_s.size(0))
        cls_loss = cross_entropy(y_s_hat, y_s)
        transfer_loss = self.mcc(y_t_hat)
        return {
            "loss": cls_loss + self.trade_off * transfer_loss,
            "cls_loss": cls_loss,
            "transfer_loss": transfer_loss,
            "logits_s": y_s_hat,
            "logits_t": y_t_hat,
            "features_s": f_s,
            "features_t": f_t,
        }
