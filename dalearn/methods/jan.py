"""JAN (Long et al., 2017): minimise the joint MMD of (bottleneck features, predictions).
loss = CE(y_s) + trade_off · JMMD((f_s, p_s), (f_t, p_t)); ``adversarial=True`` is JAN-A."""

from __future__ import annotations

from typing import Any, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from dalearn.losses import JointMultipleKernelMaximumMeanDiscrepancy, Theta
from dalearn.methods.base import DomainAdaptationModule, cross_entropy
from dalearn.nn import GaussianKernel


class JAN(DomainAdaptationModule):
    """Kernels: Gaussians (σ² = α·mean(D²)) on f and one fixed-σ Gaussian
    (``prediction_sigma`` = 0.92) on softmax(y). JAN-A adds Θ layers trained at
    ``theta_lr_mult`` × lr. (The recipe's network: bottleneck Linear–BN–ReLU–Dropout(0.5).)"""

    def __init__(
        self,
        classifier: nn.Module,
        linear: bool = False,
        adversarial: bool = False,
        kernel_alphas: Sequence[float] = (0.125, 0.25, 0.5, 1.0, 2.0),
        prediction_sigma: float = 0.92,
        theta_lr_mult: float = 0.1,
        estimator: str = "unbiased",
        **base: Any,
    ) -> None:
        super().__init__(classifier, **base)
        self.thetas = (
            nn.ModuleList([Theta(classifier.features_dim), Theta(classifier.num_classes)]) if adversarial else None
        )
        self.theta_lr_mult = theta_lr_mult
        self.jmmd = JointMultipleKernelMaximumMeanDiscrepancy(
            (
                [GaussianKernel(alpha=a) for a in kernel_alphas],
                [GaussianKernel(sigma=prediction_sigma, track_running_stats=False)],
            ),
            linear=linear,
            thetas=self.thetas,
            estimator=estimator,
        )

    def parameter_groups(self) -> list[dict]:
        groups = super().parameter_groups()
        if self.thetas is not None:
            groups.append({"params": list(self.thetas.parameters()), "lr_mult": self.theta_lr_mult})
        return groups

    def compute_losses(self, x_s: torch.Tensor, y_s: torch.Tensor, x_t: torch.Tensor) -> dict[str, torch.Tensor]:
        (y_s_hat, y_t_hat), (f_s, f_t) = self.joint_forward(x_s, x_t)
        return self.outputs(
            cls_loss=cross_entropy(y_s_hat, y_s),
            transfer_loss=self.jmmd((f_s, F.softmax(y_s_hat, dim=1)), (f_t, F.softmax(y_t_hat, dim=1))),
            logits=(y_s_hat, y_t_hat),
            features=(f_s, f_t),
        )
