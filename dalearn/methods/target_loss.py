"""The shared shape of methods that add one loss on the target predictions to the source
cross-entropy, with no other alignment (MCC alone, BNM):
loss = CE(y_s) + trade_off · L(y_t), from one forward of cat(x_s, x_t) through
backbone → bottleneck (Linear–BN–ReLU) → head. A subclass only builds ``self.target_loss``."""

from __future__ import annotations

from typing import Any, Mapping, Optional

import torch
from torch import nn

from dalearn.methods.base import DomainAdaptationModule, cross_entropy, split_batch
from dalearn.nn import ImageClassifier, bottleneck


class TargetLossModule(DomainAdaptationModule):
    """Source cross-entropy plus ``trade_off`` × ``self.target_loss(target logits)``."""

    provides = frozenset({"logits_s", "logits_t", "features_s", "features_t"})
    target_loss: nn.Module

    def __init__(
        self,
        backbone: nn.Module,
        num_classes: int,
        optim: Optional[Mapping[str, Any]],
        trade_off: float,
        bottleneck_dim: int,
        regularizers: Optional[Mapping[str, Any]],
    ) -> None:
        super().__init__(backbone, num_classes, optim, trade_off, regularizers)
        self.classifier = ImageClassifier(
            backbone, num_classes, bottleneck(backbone.out_features, bottleneck_dim), bottleneck_dim
        )

    def compute_losses(self, x_s: torch.Tensor, y_s: torch.Tensor, x_t: torch.Tensor) -> dict[str, torch.Tensor]:
        logits, features = self.classifier(torch.cat([x_s, x_t]))
        y_s_hat, y_t_hat = split_batch(logits, x_s.size(0))
        f_s, f_t = split_batch(features, x_s.size(0))
        cls_loss = cross_entropy(y_s_hat, y_s)
        transfer_loss = self.target_loss(y_t_hat)
        return {
            "loss": cls_loss + self.trade_off * transfer_loss,
            "cls_loss": cls_loss,
            "transfer_loss": transfer_loss,
            "logits_s": y_s_hat,
            "logits_t": y_t_hat,
            "features_s": f_s,
            "features_t": f_t,
        }
