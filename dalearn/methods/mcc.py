"""MCC alone (Jin et al., 2020, "Minimum Class Confusion for Versatile Domain Adaptation"):
cross-entropy on the source plus the minimum class confusion of the target predictions,
without any other alignment — Transfer-Learning-Library's MCC baseline.
loss = CE(y_s) + trade_off · L_mcc(y_t / T) (:class:`dalearn.losses.MinimumClassConfusionLoss`).
MCC on top of another method is ``method.regularizers.mcc`` (e.g. ``method=cdan_mcc``)."""

from __future__ import annotations

from typing import Any

from torch import nn

from dalearn.losses import MinimumClassConfusionLoss
from dalearn.methods.target_loss import TargetLossModule


class MCC(TargetLossModule):
    """Temperature T (2.5); one forward of cat(x_s, x_t). The recipes' network: bottleneck
    Linear–BN–ReLU of 1024."""

    def __init__(self, classifier: nn.Module, temperature: float = 2.5, **base: Any) -> None:
        super().__init__(classifier, **base)
        self.target_loss = MinimumClassConfusionLoss(temperature)
