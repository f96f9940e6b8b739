"""Classifier heads: backbone → bottleneck → linear head, plus the heads of MCD and MDD.

Backbones here are modules mapping images to pooled, flattened features of size
``backbone.out_features`` (see :mod:`dalearn.nn.backbones`).
"""

from __future__ import annotations

from typing import Optional

import torch
from torch import nn

from dalearn.nn.grl import WarmStartGradientReverseLayer


def bottleneck(in_features: int, out_features: int, batch_norm: bool = True, dropout: float = 0.0) -> nn.Sequential:
    """Linear(in, out) → [BatchNorm1d] → ReLU → [Dropout(p)].

    DANN/CDAN: BN, no dropout. DAN: no BN, dropout 0.5. JAN and MDD: BN and dropout 0.5.
    """
    layers: list[nn.Module] = [nn.Linear(in_features, out_features)]
    if batch_norm:
        layers.append(nn.BatchNorm1d(out_features))
    layers.append(nn.ReLU())
    if dropout > 0:
        layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


class ImageClassifier(nn.Module):
    """backbone → bottleneck → head. ``forward`` returns ``(logits, features)`` where the
    features are the bottleneck output f that the alignment losses act on.

    Args:
        backbone: module with attribute ``out_features``.
        num_classes: C.
        bottleneck: a module mapping backbone features to ``bottleneck_dim``; ``None`` means
            identity (Source-Only uses the backbone features directly).
        bottleneck_dim: output size of ``bottleneck`` (required when one is given).
        head: optional custom head; default Linear(bottleneck_dim, C).
    """

    def __init__(
        self,
        backbone: nn.Module,
        num_classes: int,
        bottleneck: Optional[nn.Module] = None,
        bottleneck_dim: Optional[int] = None,
        head: Optional[nn.Module] = None,
    ) -> None:
        super().__init__()
        if num_classes < 2:
            raise ValueError(f"num_classes must be at least 2, got {num_classes}")
        if bottleneck is not None and bottleneck_dim is None:
            raise ValueError("bottleneck_dim is required when a bottleneck is given")
        self.backbone = backbone
        self.num_classes = num_classes
        self.bottleneck = bottleneck if bottleneck is not None else nn.Identity()
        self.features_dim = bottleneck_dim if bottleneck is not None else backbone.out_features
        self.head = head if head is not None else nn.Linear(self.features_dim, num_classes)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f = self.bottleneck(self.backbone(x))
        return self.head(f), f

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward(x)[0]

    def get_parameters(self, base_lr: float = 1.0, backbone_lr_mult: float = 0.1) -> list[dict]:
        """Parameter groups: backbone at ``backbone_lr_mult × base_lr``, the rest at ``base_lr``."""
        return [
            {"params": list(self.backbone.parameters()), "lr": backbone_lr_mult * base_lr, "lr_mult": backbone_lr_mult},
            {
                "params": list(self.bottleneck.parameters()) + list(self.head.parameters()),
                "lr": base_lr,
                "lr_mult": 1.0,
            },
        ]


class MCDClassifierHead(nn.Sequential):
    """One of MCD's two classifiers F1, F2:
    Dropout → Linear(d, B) → BN → ReLU → Dropout → Linear(B, B) → BN → ReLU → Linear(B, C)."""

    def __init__(self, in_features: int, num_classes: int, bottleneck_dim: int = 1024, dropout: float = 0.5) -> None:
        super().__init__(
            nn.Dropout(dropout),
            nn.Linear(in_features, bottleneck_dim),
            nn.BatchNorm1d(bottleneck_dim),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(bottleneck_dim, bottleneck_dim),
            nn.BatchNorm1d(bottleneck_dim),
            nn.ReLU(),
            nn.Linear(bottleneck_dim, num_classes),
        )


def mdd_head(in_features: int, width: int, num_classes: int, dropout: float = 0.5) -> nn.Sequential:
    """MDD's main/adversarial head Linear(b, w) → ReLU → Dropout → Linear(w, C), weights
    N(0, 0.01), biases 0."""
    head = nn.Sequential(nn.Linear(in_features, width), nn.ReLU(), nn.Dropout(dropout), nn.Linear(width, num_classes))
    for layer in head:
        if isinstance(layer, nn.Linear):
            nn.init.normal_(layer.weight, 0.0, 0.01)
            nn.init.zeros_(layer.bias)
    return head


class MDDClassifier(nn.Module):
    """MDD's classifier: backbone → bottleneck → (main head, adversarial head).

    The bottleneck is Linear(d, b) → BN → ReLU → Dropout(0.5) with weights N(0, 0.005) and
    bias 0.1. The adversarial head sees the bottleneck features through a warm-start
    gradient reversal layer (hi = 0.1 by default) that the training loop steps once per
    iteration via :meth:`step`.

    ``forward`` returns ``(logits, logits_adv, features)``.
    """

    def __init__(
        self,
        backbone: nn.Module,
        num_classes: int,
        bottleneck_dim: int = 1024,
        width: int = 1024,
        grl: Optional[WarmStartGradientReverseLayer] = None,
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        self.backbone = backbone
        self.num_classes = num_classes
        self.features_dim = bottleneck_dim
        self.bottleneck = bottleneck(backbone.out_features, bottleneck_dim, batch_norm=True, dropout=dropout)
        nn.init.normal_(self.bottleneck[0].weight, 0.0, 0.005)
        nn.init.constant_(self.bottleneck[0].bias, 0.1)
        self.head = mdd_head(bottleneck_dim, width, num_classes, dropout)
        self.adv_head = mdd_head(bottleneck_dim, width, num_classes, dropout)
        self.grl = grl if grl is not None else WarmStartGradientReverseLayer(alpha=1.0, lo=0.0, hi=0.1, max_iters=1000)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        f = self.bottleneck(self.backbone(x))
        return self.head(f), self.adv_head(self.grl(f)), f

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.bottleneck(self.backbone(x)))

    def step(self) -> None:
        """Advance the gradient-reversal warm start by one iteration."""
        self.grl.step()

    def get_parameters(self, base_lr: float = 1.0, backbone_lr_mult: float = 0.1) -> list[dict]:
        rest = [*self.bottleneck.parameters(), *self.head.parameters(), *self.adv_head.parameters()]
        return [
            {"params": list(self.backbone.parameters()), "lr": backbone_lr_mult * base_lr, "lr_mult": backbone_lr_mult},
            {"params": rest, "lr": base_lr, "lr_mult": 1.0},
        ]
