"""CDAN's conditional domain adversarial loss (Long et al., 2018), with +E and the
randomized multilinear map."""

from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from dalearn.losses._checks import (
    binary_accuracy,
    check_features,
    check_floating,
    check_reduction,
    input_width,
    reduce,
)
from dalearn.nn.grl import WarmStartGradientReverseLayer
from dalearn.nn.maps import MultiLinearMap, RandomizedMultiLinearMap


def prediction_entropy(p: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """Per-sample entropy H(p) = −Σ_c p_c log(p_c + ε) of probability rows, shape (N,)."""
    return -(p * torch.log(p + eps)).sum(dim=1)


class ConditionalDomainAdversarialLoss(nn.Module):
    r"""Domain adversarial loss on the features conditioned on the classifier's predictions:

    .. math::
        L = \frac{1}{n_s+n_t}\sum_i w_i\,\mathrm{BCE}(D(R_\lambda T(f_i, g_i)), d_i),
        \qquad g = \mathrm{softmax}(y)\ \text{(detached)},\ d = 1\ \text{source},\ 0\ \text{target}

    with T the multilinear map flatten(g ⊗ f) (C·F dims) or, with ``randomized=True``, the
    randomized map (f R_f) ⊙ (g R_g)/√d. Without entropy conditioning w_i = 1; with it (+E),
    w_i = 1 + exp(−H(g_i)), rescaled so that Σ w_i = n_s + n_t, which emphasises confident
    predictions.

    Args:
        domain_discriminator: (N, D_in) → (N, 1) logits, D_in = C·F or ``randomized_dim``.
        entropy_conditioning: enable the +E weights.
        randomized: use the randomized map (needs ``num_classes`` and ``features_dim``).
        num_classes: number of classes C (the randomized map's input).
        features_dim: feature dimension F (the randomized map's input).
        randomized_dim: output dimension of the randomized map.
        reduction: ``'mean'`` | ``'sum'`` | ``'none'`` (per sample, (N_s + N_t,)).
        grl: gradient reversal; default DANN warm start, stepped once per training call.

    After each call ``domain_discriminator_accuracy`` holds the discriminator's accuracy.

    Shape: g_s (N_s, C) logits, f_s (N_s, F), g_t (N_t, C), f_t (N_t, F) → scalar.

    Example:
        >>> from dalearn.nn import DomainDiscriminator
        >>> loss = ConditionalDomainAdversarialLoss(DomainDiscriminator(in_feature=5 * 64, hidden_size=32))
        >>> loss(torch.randn(8, 5), torch.randn(8, 64), torch.randn(8, 5), torch.randn(8, 64)).shape
        torch.Size([])
    """

    def __init__(
        self,
        domain_discriminator: nn.Module,
        entropy_conditioning: bool = False,
        randomized: bool = False,
        num_classes: int = -1,
        features_dim: int = -1,
        randomized_dim: int = 1024,
        reduction: str = "mean",
        grl: Optional[nn.Module] = None,
    ) -> None:
        super().__init__()
        self.domain_discriminator = domain_discriminator
        self.entropy_conditioning = entropy_conditioning
        self.reduction = check_reduction(reduction)
        self.grl = (
            grl
            if grl is not None
            else WarmStartGradientReverseLayer(alpha=1.0, lo=0.0, hi=1.0, max_iters=1000, auto_step=True)
        )
        if randomized:
            if num_classes <= 0 or features_dim <= 0 or randomized_dim <= 0:
                raise ValueError(
                    "randomized=True needs positive num_classes, features_dim and randomized_dim, got "
                    f"{num_classes}, {features_dim}, {randomized_dim}"
                )
            self.map: nn.Module = RandomizedMultiLinearMap(features_dim, num_classes, randomized_dim)
        else:
            self.map = MultiLinearMap()
        self.domain_discriminator_accuracy: Optional[torch.Tensor] = None

    def forward(self, g_s: torch.Tensor, f_s: torch.Tensor, g_t: torch.Tensor, f_t: torch.Tensor) -> torch.Tensor:
        for name, x in (("g_s", g_s), ("f_s", f_s), ("g_t", g_t), ("f_t", f_t)):
            check_features(name, x)
        if g_s.size(0) != f_s.size(0) or g_t.size(0) != f_t.size(0):
            raise ValueError(
                f"predictions and features must have matching batch sizes, got g_s {tuple(g_s.shape)}, "
                f"f_s {tuple(f_s.shape)}, g_t {tuple(g_t.shape)}, f_t {tuple(f_t.shape)}"
            )
        if g_s.size(1) != g_t.size(1) or f_s.size(1) != f_t.size(1):
            raise ValueError(
                f"source and target dimensions differ: g_s {tuple(g_s.shape)} vs g_t {tuple(g_t.shape)}, "
                f"f_s {tuple(f_s.shape)} vs f_t {tuple(f_t.shape)}"
            )
        for name, x in (("g_s", g_s), ("f_s", f_s), ("g_t", g_t), ("f_t", f_t)):
            check_floating(name, x)
        expected = input_width(self.domain_discriminator)
        if isinstance(self.map, MultiLinearMap) and expected is not None and expected != f_s.size(1) * g_s.size(1):
            raise ValueError(
                f"the domain discriminator takes {expected} inputs, but features f_s {tuple(f_s.shape)} times "
                f"predictions g_s {tuple(g_s.shape)} give "
                f"{f_s.size(1)} × {g_s.size(1)} = {f_s.size(1) * g_s.size(1)}: "
                f"the predictions have {g_s.size(1)} classes — build the discriminator with in_feature = "
                "features_dim × num_classes of the data (or check that the classifier has num_classes outputs)"
            )
        n_s = f_s.size(0)
        f = torch.cat([f_s, f_t], dim=0)
        g = F.softmax(torch.cat([g_s, g_t], dim=0), dim=1).detach()
        d = self.domain_discriminator(self.grl(self.map(f, g)))
        labels = torch.cat([torch.ones(n_s, 1), torch.zeros(f_t.size(0), 1)]).to(d)
        self.domain_discriminator_accuracy = 0.5 * (binary_accuracy(d[:n_s], 1.0) + binary_accuracy(d[n_s:], 0.0))
        weight = None
        if self.entropy_conditioning:
            weight = 1.0 + torch.exp(-prediction_entropy(g))
            weight = (weight / weight.sum() * f.size(0)).view_as(d).to(d.dtype)
        per_sample = F.binary_cross_entropy_with_logits(d, labels, weight=weight, reduction="none").flatten()
        return reduce(per_sample, self.reduction)
