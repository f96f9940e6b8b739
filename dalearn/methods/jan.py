"""JAN (Long et al., 2017): minimise the joint MMD of (bottleneck features, predictions).
loss = CE(y_s) + trade_off · JMMD((f_s, p_s), (f_t, p_t)); ``adversarial=True`` is JAN-A."""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from dalearn.losses import JointMultipleKernelMaximumMeanDiscrepancy, Theta
from dalearn.methods.base import DomainAdaptationModule, cross_entropy, split_batch
from dalearn.nn import GaussianKernel, ImageClassifier, bottleneck


class JAN(DomainAdaptationModule):
    """Bottleneck Linear–BN–ReLU–Dropout(0.5); kernels: Gaussians (σ² = α·mean(D²)) on f and
    one fixed-σ Gaussian (``prediction_sigma`` = 0.92) on softmax(y). JAN-A adds Θ layers
    trained at ``theta_lr_mult`` × lr."""

    name = "jan"
    provides = frozenset({"logits_s", "logits_t", "features_s", "features_t"})

    def __init__(
        self,
        backbone: nn.Module,
        num_classes: int,
        optim: Optional[Mapping[str, Any]] = None,
        trade_off: float = 1.0,
        bottleneck_dim: int = 256,
        linear: bool = False,
        adversarial: bool = False,
        kernel_alphas: Sequence[float] = (0.125, 0.25, 0.5, 1.0, 2.0),
        prediction_sigma: float = 0.92,
        theta_lr_mult: float = 0.1,
        estimator: str = "unbiased",
        regularizers: Optional[Mapping[str, Any]] = None,
    ) -> None:
        super().__init__(backbone, num_classes, optim, trade_off, regularizers)
        neck = bottleneck(backbone.out_features, bottleneck_dim, batch_norm=True, dropout=0.5)
        self.classifier = ImageClassifier(backbone, num_classes, neck, bottleneck_dim)
        self.thetas = nn.ModuleList([Theta(bottleneck_dim), Theta(num_classes)]) if adversarial else None
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
        logits, features = self.classifier(torch.cat([x_s, x_t]))
        y_s_hat, y_t_hat = split_batch(logits, x_s.size(0))
        f_s, f_t = split_batch(features, x_s.size(0))
        cls_loss = cross_entropy(y_s_hat, y_s)
        transfer_loss = self.jmmd((f_s, F.softmax(y_s_hat, dim=1)), (f_t, F.softmax(y_t_hat, dim=1)))
        return {
            "loss": cls_loss + self.trade_off * transfer_loss,
            "cls_loss": cls_loss,
            "transfer_loss": transfer_loss,
            "logits_s": y_s_hat,
            "logits_t": y_t_hat,
            "features_s": f_s,
            "features_t": f_t,
        }
