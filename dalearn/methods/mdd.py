"""MDD (Zhang et al., 2019): an adversarial head maximises the margin disparity with the main
head while the features minimise it through a gradient reversal.
loss = CE(y_s) − trade_off · mdd (see :class:`dalearn.losses.MarginDisparityDiscrepancy`)."""

from __future__ import annotations

from typing import Any

import torch

from dalearn.losses import MarginDisparityDiscrepancy
from dalearn.methods.base import DomainAdaptationModule, cross_entropy
from dalearn.nn import MDDClassifier


class MDD(DomainAdaptationModule):
    """Margin γ; the network is :class:`dalearn.nn.MDDClassifier`, whose gradient reversal
    before the adversarial head (warming up to 0.1) is stepped once per iteration and its
    coefficient logged."""

    def __init__(self, classifier: MDDClassifier, margin: float = 4.0, **base: Any) -> None:
        super().__init__(classifier, **base)
        self.grl = classifier.grl
        self.mdd = MarginDisparityDiscrepancy(margin)

    def compute_losses(self, x_s: torch.Tensor, y_s: torch.Tensor, x_t: torch.Tensor) -> dict[str, torch.Tensor]:
        (y_s_hat, y_t_hat), (y_s_adv, y_t_adv), (f_s, f_t) = self.joint_forward(x_s, x_t)
        cls_loss = cross_entropy(y_s_hat, y_s)
        transfer_loss = self.mdd(y_s_hat, y_s_adv, y_t_hat, y_t_adv)
        self.classifier.step()
        return self.outputs(
            cls_loss - self.trade_off * transfer_loss,
            cls_loss=cls_loss,
            transfer_loss=transfer_loss,
            logits=(y_s_hat, y_t_hat),
            features=(f_s, f_t),
        )
