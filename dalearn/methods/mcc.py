"""MCC alone (Jin et al., 2020, "Minimum Class Confusion for Versatile Domain Adaptation"):
cross-entropy on the source plus the minimum class confusion of the target predictions,
without any other alignment — Transfer-Learning-Library's MCC baseline.
loss = CE(y_s) + trade_off · L_mcc(y_t / T) (:class:`dalearn.losses.MinimumClassConfusionLoss`).
MCC on top of another method is ``method.regularizers.mcc`` (e.g. ``method=cdan_mcc``)."""

from __future__ import annotations

from typing import Any, Mapping, Optional

from torch import nn

from dalearn.losses import MinimumClassConfusionLoss
from dalearn.methods.target_loss import TargetLossModule


class MCC(TargetLossModule):
    """Bottleneck Linear–BN–ReLU of ``bottleneck_dim`` (1024 in the recipes); temperature T
    (2.5); one forward of cat(x_s, x_t)."""

    name = "mcc"

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
        super().__init__(backbone, num_classes, optim, trade_off, bottleneck_dim, regularizers)
        self.target_loss = MinimumClassConfusionLoss(temperature)
