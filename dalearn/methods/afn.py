"""AFN (Xu et al., 2019, "Larger Norm More Transferable: An Adaptive Feature Norm Approach for
Unsupervised Domain Adaptation"), the stepwise variant SAFN: cross-entropy on the source while
every feature's norm, source and target, is pushed up by Δr each step.
loss = CE(y_s) + trade_off · (afn(f_s) + afn(f_t)) [+ entropy_weight · H(y_t), SAFN+ENT]
(:class:`dalearn.losses.AdaptiveFeatureNorm`).

The network is the paper's (``method.classifier``: :func:`dalearn.nn.afn_bottleneck`,
Linear(d, b) → BN → ReLU → Dropout(p) blocks, then Linear(b, C)); the norm acts on the
dropout output (dropout is what keeps the norms from growing only along a few units). AFN
initialises the bottleneck and head as the paper: linear weights and biases drawn from
N(0, 0.01), BN scales from N(1, 0.01).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from dalearn.losses import AdaptiveFeatureNorm, prediction_entropy
from dalearn.methods.base import DomainAdaptationModule, cross_entropy


def _init_afn(module: nn.Module) -> None:
    for layer in module.modules():
        if isinstance(layer, nn.Linear):
            nn.init.normal_(layer.weight, 0.0, 0.01)
            nn.init.normal_(layer.bias, 0.0, 0.01)
        elif isinstance(layer, nn.BatchNorm1d):
            nn.init.normal_(layer.weight, 1.0, 0.01)
            nn.init.zeros_(layer.bias)


class AFN(DomainAdaptationModule):
    """``trade_off`` is λ (0.05), ``delta`` Δr (1.0); ``entropy_weight`` > 0 adds target
    entropy minimisation (SAFN+ENT). The two domains are forwarded separately, as in the
    reference."""

    def __init__(self, classifier: nn.Module, delta: float = 1.0, entropy_weight: float = 0.0, **base: Any) -> None:
        super().__init__(classifier, **base)
        _init_afn(classifier.bottleneck)
        _init_afn(classifier.head)
        self.afn = AdaptiveFeatureNorm(delta)
        self.entropy_weight = float(entropy_weight)

    def compute_losses(self, x_s: torch.Tensor, y_s: torch.Tensor, x_t: torch.Tensor) -> dict[str, torch.Tensor]:
        y_s_hat, f_s = self.classifier(x_s)
        y_t_hat, f_t = self.classifier(x_t)
        cls_loss = cross_entropy(y_s_hat, y_s)
        transfer_loss = self.afn(f_s) + self.afn(f_t)
        loss = cls_loss + self.trade_off * transfer_loss
        entropy = None
        if self.entropy_weight > 0:
            entropy = prediction_entropy(F.softmax(y_t_hat, dim=1)).mean()
            loss = loss + self.entropy_weight * entropy
        return self.outputs(
            loss,
            cls_loss=cls_loss,
            transfer_loss=transfer_loss,
            entropy_loss=entropy,
            logits=(y_s_hat, y_t_hat),
            features=(f_s, f_t),
        )
