"""DAN (Long et al., 2015): minimise the multi-kernel MMD between source and target
bottleneck features. loss = CE(y_s) + trade_off · MK-MMD(f_s, f_t)."""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

import torch
from torch import nn

from dalearn.losses import MultipleKernelMaximumMeanDiscrepancy
from dalearn.methods.base import DomainAdaptationModule, cross_entropy
from dalearn.nn import GaussianKernel, ImageClassifier, bottleneck


class DAN(DomainAdaptationModule):
    """Bottleneck Linear–ReLU–Dropout(0.5); Gaussian kernels with σ² = α·mean(D²) for α in
    ``kernel_alphas``; ``linear`` selects the O(n) estimator (the recipe's). The two domains
    are forwarded separately, as in the reference."""

    name = "dan"
    provides = frozenset({"logits_s", "logits_t", "features_s", "features_t"})

    def __init__(
        self,
        backbone: nn.Module,
        num_classes: int,
        optim: Optional[Mapping[str, Any]] = None,
        trade_off: float = 1.0,
        bottleneck_dim: int = 256,
        linear: bool = True,
        kernel_alphas: Sequence[float] = (0.125, 0.25, 0.5, 1.0, 2.0),
        estimator: str = "unbiased",
        regularizers: Optional[Mapping[str, Any]] = None,
    ) -> None:
        super().__init__(backbone, num_classes, optim, trade_off, regularizers)
        neck = bottleneck(backbone.out_features, bottleneck_dim, batch_norm=False, dropout=0.5)
        self.classifier = ImageClassifier(backbone, num_classes, neck, bottleneck_dim)
        self.mkmmd = MultipleKernelMaximumMeanDiscrepancy(
            [GaussianKernel(alpha=a) for a in kernel_alphas], linear=linear, estimator=estimator
        )

    def compute_losses(self, x_s: torch.Tensor, y_s: torch.Tensor, x_t: torch.Tensor) -> dict[str, torch.Tensor]:
        y_s_hat, f_s = self.classifier(x_s)
        y_t_hat, f_t = self.classifier(x_t)
        cls_loss = cross_entropy(y_s_hat, y_s)
        transfer_loss = self.mkmmd(f_s, f_t)
        return {
            "loss": cls_loss + self.trade_off * transfer_loss,
            "cls_loss": cls_loss,
            "transfer_loss": transfer_loss,
            "logits_s": y_s_hat,
            "logits_t": y_t_hat,
            "features_s": f_s,
            "features_t": f_t,
        }
