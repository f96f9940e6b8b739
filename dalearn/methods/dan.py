"""DAN (Long et al., 2015): minimise the multi-kernel MMD between source and target
bottleneck features. loss = CE(y_s) + trade_off · MK-MMD(f_s, f_t)."""

from __future__ import annotations

from typing import Any, Sequence

import torch
from torch import nn

from dalearn.losses import MultipleKernelMaximumMeanDiscrepancy
from dalearn.methods.base import DomainAdaptationModule, cross_entropy
from dalearn.nn import GaussianKernel


class DAN(DomainAdaptationModule):
    """Gaussian kernels with σ² = α·mean(D²) for α in ``kernel_alphas``; ``linear`` selects the
    O(n) estimator (the recipe's). The two domains are forwarded separately, as in the
    reference (the recipe's network: bottleneck Linear–ReLU–Dropout(0.5))."""

    def __init__(
        self,
        classifier: nn.Module,
        linear: bool = True,
        kernel_alphas: Sequence[float] = (0.125, 0.25, 0.5, 1.0, 2.0),
        estimator: str = "unbiased",
        **base: Any,
    ) -> None:
        super().__init__(classifier, **base)
        self.mkmmd = MultipleKernelMaximumMeanDiscrepancy(
            [GaussianKernel(alpha=a) for a in kernel_alphas], linear=linear, estimator=estimator
        )

    def compute_losses(self, x_s: torch.Tensor, y_s: torch.Tensor, x_t: torch.Tensor) -> dict[str, torch.Tensor]:
        y_s_hat, f_s = self.classifier(x_s)
        y_t_hat, f_t = self.classifier(x_t)
        return self.outputs(
            cls_loss=cross_entropy(y_s_hat, y_s),
            transfer_loss=self.mkmmd(f_s, f_t),
            logits=(y_s_hat, y_t_hat),
            features=(f_s, f_t),
        )
