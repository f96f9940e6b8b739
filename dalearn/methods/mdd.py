"""MDD (Zhang et al., 2019): an adversarial head maximises the margin disparity with the main
head while the features minimise it through a gradient reversal.
loss = CE(y_s) − trade_off · mdd (see :class:`dalearn.losses.MarginDisparityDiscrepancy`)."""

from __future__ import annotations

from typing import Any, Mapping, Optional

import torch
from torch import nn

from dalearn.losses import MarginDisparityDiscrepancy
from dalearn.methods.base import DomainAdaptationModule, cross_entropy, split_batch
from dalearn.nn import MDDClassifier


class MDD(DomainAdaptationModule):
    """Bottleneck ``bottleneck_dim`` and heads of ``width``; margin γ; the GRL before the
    adversarial head warms up to ``grl_hi`` (0.1) and is stepped once per iteration."""

    name = "mdd"
    provides = frozenset({"logits_s", "logits_t", "features_s", "features_t"})

    def __init__(
        self,
        backbone: nn.Module,
        num_classes: int,
        optim: Optional[Mapping[str, Any]] = None,
        trade_off: float = 1.0,
        margin: float = 4.0,
        bottleneck_dim: int = 1024,
        width: int = 1024,
        grl_alpha: float = 1.0,
        grl_lo: float = 0.0,
        grl_hi: float = 0.1,
        grl_max_iters: int = 1000,
        regularizers: Optional[Mapping[str, Any]] = None,
    ) -> None:
        super().__init__(backbone, num_classes, optim, trade_off, regularizers)
        self.warm_start_grl(grl_alpha, grl_lo, grl_hi, grl_max_iters, auto_step=False)
        self.classifier = MDDClassifier(backbone, num_classes, bottleneck_dim, width, grl=self.grl)
        self.mdd = MarginDisparityDiscrepancy(margin)

    def compute_losses(self, x_s: torch.Tensor, y_s: torch.Tensor, x_t: torch.Tensor) -> dict[str, torch.Tensor]:
        logits, logits_adv, features = self.classifier(torch.cat([x_s, x_t]))
        f_s, f_t = split_batch(features, x_s.size(0))
        y_s_hat, y_t_hat = split_batch(logits, x_s.size(0))
        y_s_adv, y_t_adv = split_batch(logits_adv, x_s.size(0))
        cls_loss = cross_entropy(y_s_hat, y_s)
        transfer_loss = self.mdd(y_s_hat, y_s_adv, y_t_hat, y_t_adv)
        self.classifier.step()
        return {
            "loss": cls_loss - self.trade_off * transfer_loss,
            "cls_loss": cls_loss,
            "transfer_loss": transfer_loss,
            "logits_s": y_s_hat,
            "logits_t": y_t_hat,
            "features_s": f_s,
            "features_t": f_t,
        }
