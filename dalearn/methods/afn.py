"""AFN (Xu et al., 2019, "Larger Norm More Transferable: An Adaptive Feature Norm Approach for
Unsupervised Domain Adaptation"), the stepwise variant SAFN: cross-entropy on the source while
every feature's norm, source and target, is pushed up by Δr each step.
loss = CE(y_s) + trade_off · (afn(f_s) + afn(f_t)) [+ entropy_weight · H(y_t), SAFN+ENT]
(:class:`dalearn.losses.AdaptiveFeatureNorm`).

The head is the paper's: Linear(d, b) → BN → ReLU → Dropout(p) blocks, then Linear(b, C); the
norm acts on the dropout output (dropout is what keeps the norms from growing only along a
few units), linear weights and biases drawn from N(0, 0.01), BN scales from N(1, 0.01).
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

import torch
import torch.nn.functional as F
from torch import nn

from dalearn.losses import AdaptiveFeatureNorm, prediction_entropy
from dalearn.methods.base import DomainAdaptationModule, cross_entropy
from dalearn.nn import ImageClassifier


def afn_bottleneck(in_features: int, bottleneck_dim: int, num_blocks: int, dropout: float) -> nn.Sequential:
    """``num_blocks`` × (Linear → BN → ReLU → Dropout), the first from ``in_features``."""
    if num_blocks < 1:
        raise ValueError(f"num_blocks must be at least 1, got {num_blocks}")
    layers: list[nn.Module] = []
    for block in range(num_blocks):
        width = in_features if block == 0 else bottleneck_dim
        layers += [nn.Linear(width, bottleneck_dim), nn.BatchNorm1d(bottleneck_dim), nn.ReLU(), nn.Dropout(dropout)]
    return nn.Sequential(*layers)


def _init_afn(module: nn.Module) -> None:
    for layer in module.modules():
        if isinstance(layer, nn.Linear):
            nn.init.normal_(layer.weight, 0.0, 0.01)
            nn.init.normal_(layer.bias, 0.0, 0.01)
        elif isinstance(layer, nn.BatchNorm1d):
            nn.init.normal_(layer.weight, 1.0, 0.01)
            nn.init.zeros_(layer.bias)


class AFN(DomainAdaptationModule):
    """``trade_off`` is λ (0.05), ``delta`` Δr (1.0); ``bottleneck_dim`` 1000, ``dropout`` 0.5,
    ``num_blocks`` 1; ``entropy_weight`` > 0 adds target entropy minimisation (SAFN+ENT). The
    two domains are forwarded separately, as in the reference."""

    name = "afn"
    provides = frozenset({"logits_s", "logits_t", "features_s", "features_t"})

    def __init__(
        self,
        backbone: nn.Module,
        num_classes: int,
        optim: Optional[Mapping[str, Any]] = None,
        trade_off: float = 0.05,
        delta: float = 1.0,
        bottleneck_dim: int = 1000,
        dropout: float = 0.5,
        num_blocks: int = 1,
        entropy_weight: float = 0.0,
        regularizers: Optional[Mapping[str, Any]] = None,
    ) -> None:
        super().__init__(backbone, num_classes, optim, trade_off, regularizers)
        neck = afn_bottleneck(backbone.out_features, bottleneck_dim, num_blocks, dropout)
        self.classifier = ImageClassifier(backbone, num_classes, neck, bottleneck_dim)
        _init_afn(self.classifier.bottleneck)
        _init_afn(self.classifier.head)
        self.afn = AdaptiveFeatureNorm(delta)
        self.entropy_weight = float(entropy_weight)

    def compute_losses(self, x_s: torch.Tensor, y_s: torch.Tensor, x_t: torch.Tensor) -> dict[str, torch.Tensor]:
        y_s_hat, f_s = self.classifier(x_s)
        y_t_hat, f_t = self.classifier(x_t)
        cls_loss = cross_entropy(y_s_hat, y_s)
        transfer_loss = self.afn(f_s) + self.afn(f_t)
        loss = cls_loss + self.trade_off * transfer_loss
        losses = {"cls_loss": cls_loss, "transfer_loss": transfer_loss}
        if self.entropy_weight > 0:
            entropy = prediction_entropy(F.softmax(y_t_hat, dim=1)).mean()
            loss = loss + self.entropy_weight * entropy
            losses["entropy_loss"] = entropy
        return {
            "loss": loss,
            **losses,
            "logits_s": y_s_hat,
            "logits_t": y_t_hat,
            "features_s": f_s,
            "features_t": f_t,
        }
