"""BNM (Cui et al., 2020, "Towards Discriminability and Diversity: Batch Nuclear-norm
Maximization under Label Insufficient Situations"): cross-entropy on the source, and the
nuclear norm of the target prediction matrix maximised, which makes the target predictions
both confident and diverse. loss = CE(y_s) − trade_off · ‖softmax(y_t)‖_* / B
(:class:`dalearn.losses.BatchNuclearNormMaximization`, which returns the negative norm)."""

from __future__ import annotations

from typing import Any

from torch import nn

from dalearn.losses import BatchNuclearNormMaximization
from dalearn.methods.regularizers import CONFIDENCE_AND_DIVERSITY_SCORES
from dalearn.methods.target_loss import TargetLossModule


class BNM(TargetLossModule):
    """λ = ``trade_off`` (1.0 on Office); ``normalization``: ÷B (paper) or ÷min(B, C)
    (authors' code). The authors' network: bottleneck Linear–BN–ReLU of 256."""

    trains_on = CONFIDENCE_AND_DIVERSITY_SCORES

    def __init__(self, classifier: nn.Module, normalization: str = "batch", **base: Any) -> None:
        super().__init__(classifier, **base)
        self.target_loss = BatchNuclearNormMaximization(normalization)
