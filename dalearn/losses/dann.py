"""DANN's domain adversarial loss (Ganin et al., 2016)."""

from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from dalearn.losses._checks import (
    binary_accuracy,
    check_floating,
    check_pair,
    check_reduction,
    check_weights,
    reduce,
)
from dalearn.nn.grl import WarmStartGradientReverseLayer


def _bce(d: torch.Tensor, label: float, weight: Optional[torch.Tensor], logits: bool) -> torch.Tensor:
    target = torch.full_like(d, label)
    if weight is not None:
        weight = weight.reshape(d.shape).to(d.dtype)
    if logits:
        return F.binary_cross_entropy_with_logits(d, target, weight=weight, reduction="none")
    return F.binary_cross_entropy(d, target, weight=weight, reduction="none")


class DomainAdversarialLoss(nn.Module):
    r"""Domain adversarial loss with a gradient reversal layer:

    .. math::
        L = \tfrac12\,[\,\mathrm{BCE}(D(R_\lambda f_s), 1) + \mathrm{BCE}(D(R_\lambda f_t), 0)\,]

    The discriminator D minimises L; through the gradient reversal R_λ the features
    maximise it. The GRL defaults to the DANN warm start (α=1, lo=0, hi=1, N=1000,
    stepped once per call in training mode).

    Args:
        domain_discriminator: maps (N, F) to (N, 1) **logits** (:class:`dalearn.nn.DomainDiscriminator`).
        reduction: ``'mean'`` | ``'sum'`` | ``'none'`` (``'none'`` returns the per-sample
            terms ½·BCE of source then target, shape (N_s + N_t,)).
        grl: gradient reversal module; default warm start as above.
        sigmoid: True (default) for a single-output binary discriminator; False for a
            two-logit discriminator trained with softmax cross-entropy (DALIB's
            ``sigmoid=False``).
        logits: True (default) if D returns logits. Set False for a discriminator that ends
            with a Sigmoid (DALIB ≤ 0.4 style); BCE is then applied to probabilities, which
            CUDA autocast refuses.

    After each call ``domain_discriminator_accuracy`` holds the discriminator's accuracy
    (fraction, 0–1) on the batch.

    Shape: f_s (N_s, F), f_t (N_t, F); optional weights w_s (N_s,), w_t (N_t,).

    Example:
        >>> from dalearn.nn import DomainDiscriminator
        >>> loss = DomainAdversarialLoss(DomainDiscriminator(in_feature=64, hidden_size=32))
        >>> loss(torch.randn(8, 64), torch.randn(8, 64)).shape
        torch.Size([])
    """

    def __init__(
        self,
        domain_discriminator: nn.Module,
        reduction: str = "mean",
        grl: Optional[nn.Module] = None,
        sigmoid: bool = True,
        logits: bool = True,
    ) -> None:
        super().__init__()
        self.domain_discriminator = domain_discriminator
        self.reduction = check_reduction(reduction)
        self.grl = (
            grl
            if grl is not None
            else WarmStartGradientReverseLayer(alpha=1.0, lo=0.0, hi=1.0, max_iters=1000, auto_step=True)
        )
        self.sigmoid = sigmoid
        self.logits = logits
        self.domain_discriminator_accuracy: Optional[torch.Tensor] = None

    def forward(
        self,
        f_s: torch.Tensor,
        f_t: torch.Tensor,
        w_s: Optional[torch.Tensor] = None,
        w_t: Optional[torch.Tensor] = None,
    ) -> torch.Tensor:
        check_pair("f_s", f_s, "f_t", f_t)
        check_floating("f_s", f_s)
        check_floating("f_t", f_t)
        n_s = f_s.size(0)
        w_s = check_weights("w_s", w_s, n_s)
        w_t = check_weights("w_t", w_t, f_t.size(0))
        d = self.domain_discriminator(self.grl(torch.cat([f_s, f_t], dim=0)))
        d_s, d_t = d[:n_s], d[n_s:]
        if self.sigmoid:
            if d.dim() != 2 or d.size(1) != 1:
                raise ValueError(f"sigmoid=True needs a discriminator output of shape (N, 1), got {tuple(d.shape)}")
            if self.logits:
                self.domain_discriminator_accuracy = 0.5 * (binary_accuracy(d_s, 1.0) + binary_accuracy(d_t, 0.0))
            else:
                self.domain_discriminator_accuracy = 0.5 * (
                    binary_accuracy(d_s - 0.5, 1.0) + binary_accuracy(d_t - 0.5, 0.0)
                )
            per_sample = 0.5 * torch.cat(
                [_bce(d_s, 1.0, w_s, self.logits).flatten(), _bce(d_t, 0.0, w_t, self.logits).flatten()]
            )
            if self.reduction == "mean":
                return per_sample[:n_s].mean() + per_sample[n_s:].mean()
            return reduce(per_sample, self.reduction)
        if d.dim() != 2 or d.size(1) != 2:
            raise ValueError(f"sigmoid=False needs a discriminator output of shape (N, 2), got {tuple(d.shape)}")
        labels = torch.cat([torch.ones(n_s), torch.zeros(f_t.size(0))]).long().to(d.device)
        self.domain_discriminator_accuracy = (d.detach().argmax(dim=1) == labels).float().mean()
        weights = torch.cat(
            [
                w_s if w_s is not None else torch.ones(n_s, device=d.device),
                w_t if w_t is not None else torch.ones(f_t.size(0), device=d.device),
            ]
        ).to(d.dtype)
        return reduce(F.cross_entropy(d, labels, reduction="none") * weights, self.reduction)
