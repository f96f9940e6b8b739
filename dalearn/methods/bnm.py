"""BNM (Cui et al., 2020, "Towards Discriminability and Diversity: Batch Nuclear-norm
Maximization under Label Insufficient Situations"): cross-entropy on the source, and the
nuclear norm of the target prediction matrix maximised, which makes the target predictions
both confident and diverse. loss = CE(y_s) − trade_off · ‖softmax(y_t)‖_* / B
(:class:`dalearn.losses.BatchNuclearNormMaximization`, which returns the negative norm)."""

from __future__ import annotations

from typing import Any, Mapping, Optional

from torch import nn

from dalearn.losses import BatchNuclearNormMaximization
from dalearn.methods.target_loss import TargetLossModule


class BNM(TargetLossModule):
    """Bottleneck Linear–BN–ReLU of ``bottleneck_dim`` (256, the authors' network); λ =
    ``trade_off`` (1.0 on Office); ``normalization``: ÷B (paper) or ÷min(B, C) (authors' code)."""

    name = "bnm"

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
        super().__init__(backbone, num_classes, optim, trade_off, bottleneck_dim, regularizers)
        self.target_loss = BatchNuclearNormMaximization(normalization)
