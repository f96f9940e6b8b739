"""BNM (Cui et al., 2020, "Towards Discriminability and Diversity: Batch Nuclear-norm
Maximization under Label Insufficient Situations"): cross-entropy on the source, and the
nuclear norm of the target prediction matrix maximised, which makes the target predictions
both confident and diverse. loss = CE(y_s) − trade_off · ‖softmax(y_t)‖_* / B
(:class:`dalearn.losses.BatchNuclearNormMaximization`, which returns the negative norm)."""

from __future__ import annotations

from typing import Any, Mapping, Optional

import torch
from torch import nn

from dalearn.losses import BatchNuclearNormMaximization
from dalearn.methods.base import DomainAdaptationModule, cross_entropy, split_batch
from dalearn.nn import ImageClassifier, bottleneck


class BNM(DomainAdaptationModule):
    """Bottleneck Linear–BN–ReLU of ``bottleneck_dim`` (256, the authors' network); λ =
    ``trade_off`` (1.0 on Office); ``normalization``: ÷B (paper) or ÷min(B, C) (authors' code)."""

    name = "bnm"
    provides = frozenset({"logits_s", "logits_t", "features_s", "features_t"})

    def __init__(
        self,
        backbone: nn.Module,
        num_classes: int,
        optim: Optional[Mapping[str, Any]] = None,
        trade_off: float = 1.0,
        bottleneck_dim: int = 256,
        normalization: str = "batch",
        regularizers: Optional[Mapping[str, Any]] = None,
    ) -> None:
        super().__init__(backbone, num_classes, optim, trade_off, regularizers)
        self.classifier = ImageClassifier(
            backbone, num_classes, bottleneck(backbone.out_features, bottleneck_dim), bottleneck_dim
        )
        self.bnm = BatchNuclearNormMaximization(normalization)

    def compute_losses(self, x_s: torch.Tensor, y_s: torch.Tensor, x_t: torch.Tensor) -> dict[str, torch.Tensor]:
        logits, features = self.classifier(torch.cat([x_s, x_t]))
        y_s_hat, y_t_hat = split_batch(logits, x_s.size(0))
        f_s, f_t = split_batch(features, x_s.size(0))
        cls_loss = cross_entropy(y_s_hat, y_s)
        transfer_loss = self.bnm(y_t_hat)
        return {
            "loss": cls_loss + self.trade_off * transfer_loss,
            "cls_loss": cls_loss,
            "transfer_loss": transfer_loss,
            "logits_s": y_s_hat,
            "logits_t": y_t_hat,
            "features_s": f_s,
            "features_t": f_t,
        }
