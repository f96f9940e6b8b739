"""Classifier networks: backbone → bottleneck → head, and the networks of MCD and MDD.

Backbones here are modules mapping images to pooled, flattened features of size
``backbone.out_features`` (see :mod:`dalearn.nn.backbones`). A method's config builds its
network from these (``method.classifier``: a ``_target_`` node, the backbone and the number
of classes given by the run), so the network is a config, not code in the method; the
bottleneck and head may be given as builders (``_partial_`` nodes) that take their input
width, which is known only once the backbone is built.
"""

from __future__ import annotations

from typing import Callable, Optional, Union

import torch
from torch import nn
from torch.nn.utils.parametrizations import weight_norm

from dalearn.nn.grl import WarmStartGradientReverseLayer

#: a module, or a builder ``(in_features, out_features) -> module`` (a ``_partial_`` config node).
ModuleOrBuilder = Union[nn.Module, Callable[[int, int], nn.Module]]


def bottleneck(
    in_features: int, out_features: int, batch_norm: bool = True, dropout: float = 0.0, relu: bool = True
) -> nn.Sequential:
    """Linear(in, out) → [BatchNorm1d] → [ReLU] → [Dropout(p)].

    DANN/CDAN: BN, no dropout. DAN: no BN, dropout 0.5. JAN and MDD: BN and dropout 0.5.
    SHOT: BN, no ReLU.
    """
    layers: list[nn.Module] = [nn.Linear(in_features, out_features)]
    if batch_norm:
        layers.append(nn.BatchNorm1d(out_features))
    if relu:
        layers.append(nn.ReLU())
    if dropout > 0:
        layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


def afn_bottleneck(in_features: int, out_features: int, num_blocks: int = 1, dropout: float = 0.5) -> nn.Sequential:
    """AFN's bottleneck (Xu et al., 2019): ``num_blocks`` × (Linear → BN → ReLU → Dropout),
    the first from ``in_features``."""
    if num_blocks < 1:
        raise ValueError(f"num_blocks must be at least 1, got {num_blocks}")
    layers: list[nn.Module] = []
    for block in range(num_blocks):
        width = in_features if block == 0 else out_features
        layers += [nn.Linear(width, out_features), nn.BatchNorm1d(out_features), nn.ReLU(), nn.Dropout(dropout)]
    return nn.Sequential(*layers)


def weight_normalized_linear(in_features: int, out_features: int) -> nn.Module:
    """A weight-normalised Linear(in, out) (SHOT's head: w = g · v / ‖v‖)."""
    return weight_norm(nn.Linear(in_features, out_features))


def _build(module: Optional[ModuleOrBuilder], in_features: int, out_features: Optional[int]) -> Optional[nn.Module]:
    """``module`` itself, or what the builder ``module`` makes for that width (None: no width)."""
    if module is None or isinstance(module, nn.Module):
        return module
    return module(in_features, out_features) if out_features else None


def parameter_groups(backbone: nn.Module, rest: list, base_lr: float, backbone_lr_mult: float) -> list[dict]:
    """Optimiser groups: the backbone at ``backbone_lr_mult × base_lr``, ``rest`` at ``base_lr``."""
    return [
        {"params": list(backbone.parameters()), "lr": backbone_lr_mult * base_lr, "lr_mult": backbone_lr_mult},
        {"params": list(rest), "lr": base_lr, "lr_mult": 1.0},
    ]


class ImageClassifier(nn.Module):
    """backbone → bottleneck → head. ``forward`` returns ``(logits, features)`` where the
    features are the bottleneck output f that the alignment losses act on.

    Args:
        backbone: module with attribute ``out_features``.
        num_classes: C.
        bottleneck: a module mapping backbone features to ``bottleneck_dim``, or a builder
            ``(backbone.out_features, bottleneck_dim) -> module`` such as a partial of
            :func:`bottleneck`; ``None`` (or a builder with ``bottleneck_dim`` 0) means
            identity (Source-Only uses the backbone features directly).
        bottleneck_dim: output size of ``bottleneck`` (required with a module).
        head: optional custom head, or a builder ``(features_dim, C) -> module``; default
            Linear(features_dim, C).
    """

    def __init__(
        self,
        backbone: nn.Module,
        num_classes: int,
        bottleneck: Optional[ModuleOrBuilder] = None,
        bottleneck_dim: Optional[int] = None,
        head: Optional[ModuleOrBuilder] = None,
    ) -> None:
        super().__init__()
        if num_classes < 2:
            raise ValueError(f"num_classes must be at least 2, got {num_classes}")
        if isinstance(bottleneck, nn.Module) and not bottleneck_dim:
            raise ValueError("bottleneck_dim is required when a bottleneck is given")
        self.backbone = backbone
        self.num_classes = num_classes
        neck = _build(bottleneck, backbone.out_features, bottleneck_dim)
        self.bottleneck = neck if neck is not None else nn.Identity()
        self.features_dim = bottleneck_dim if neck is not None else backbone.out_features
        head = _build(head, self.features_dim, num_classes)
        self.head = head if head is not None else nn.Linear(self.features_dim, num_classes)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f = self.bottleneck(self.backbone(x))
        return self.head(f), f

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward(x)[0]

    def get_parameters(self, base_lr: float = 1.0, backbone_lr_mult: float = 0.1) -> list[dict]:
        """Parameter groups: backbone at ``backbone_lr_mult × base_lr``, the rest at ``base_lr``."""
        rest = [*self.bottleneck.parameters(), *self.head.parameters()]
        return parameter_groups(self.backbone, rest, base_lr, backbone_lr_mult)


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
        return parameter_groups(self.backbone, rest, base_lr, backbone_lr_mult)


class MCDClassifier(nn.Module):
    """MCD's network (Saito et al., 2018): generator G (the backbone) with two classifiers
    F1, F2 (:class:`MCDClassifierHead`). ``forward`` gives ``(log of the mean of the two heads'
    probabilities, G's features)`` — the features are what both heads read (the validators'
    ``*_features``); ``predict`` the first; :meth:`heads` both heads' logits."""

    def __init__(self, backbone: nn.Module, num_classes: int, bottleneck_dim: int = 1024) -> None:
        super().__init__()
        self.backbone = backbone
        self.num_classes = num_classes
        self.features_dim = backbone.out_features
        self.head1 = MCDClassifierHead(backbone.out_features, num_classes, bottleneck_dim)
        self.head2 = MCDClassifierHead(backbone.out_features, num_classes, bottleneck_dim)

    def heads(self, g: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.head1(g), self.head2(g)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        g = self.backbone(x)
        y1, y2 = self.heads(g)
        return mean_probability_log(y1, y2), g

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward(x)[0]

    def get_parameters(self, base_lr: float = 1.0, backbone_lr_mult: float = 0.1) -> list[dict]:
        """Parameter groups: G at ``backbone_lr_mult``, both heads at ``base_lr``."""
        return parameter_groups(
            self.backbone, [*self.head1.parameters(), *self.head2.parameters()], base_lr, backbone_lr_mult
        )


def mean_probability_log(y1: torch.Tensor, y2: torch.Tensor) -> torch.Tensor:
    """log((softmax(y1) + softmax(y2)) / 2): the prediction of MCD's two heads together."""
    return torch.log(0.5 * (torch.softmax(y1, dim=1) + torch.softmax(y2, dim=1)))
