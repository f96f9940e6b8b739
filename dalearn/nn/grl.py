"""Gradient reversal: identity in the forward pass, ``-coeff * grad`` in the backward pass.

Used by the adversarial methods (DANN, CDAN, MDD, adversarial JAN): a feature extractor
followed by a gradient reversal layer and a domain discriminator is trained so that the
discriminator minimises its loss while the features *maximise* it.

The warm-start variant ramps the coefficient from ``lo`` to ``hi`` as training proceeds,

    λ(i) = 2 (hi − lo) / (1 + exp(−α i / N)) − (hi − lo) + lo,

so that the noisy early discriminator does not disturb the features (Ganin & Lempitsky, 2015).
With α=1, lo=0, hi=1, N=1000: λ(0)=0, λ(1000)=0.4621, λ(5000)=0.9866.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn


class _ReverseGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, coeff: float) -> torch.Tensor:
        ctx.coeff = coeff
        return x.view_as(x)

    @staticmethod
    def backward(ctx: Any, grad_output: torch.Tensor) -> tuple[torch.Tensor, None]:
        return grad_output.neg() * ctx.coeff, None


def reverse_gradient(x: torch.Tensor, coeff: float = 1.0) -> torch.Tensor:
    """Return ``x`` unchanged; in the backward pass multiply its gradient by ``-coeff``."""
    return _ReverseGradient.apply(x, float(coeff))


def warm_start_coefficient(
    iteration: int, alpha: float = 1.0, lo: float = 0.0, hi: float = 1.0, max_iters: float = 1000.0
) -> float:
    """The warm-start schedule λ(i) = 2(hi−lo)/(1+exp(−α·i/N)) − (hi−lo) + lo, in plain Python."""
    if max_iters <= 0:
        raise ValueError(f"max_iters must be positive, got {max_iters}")
    span = hi - lo
    return 2.0 * span / (1.0 + math.exp(-alpha * iteration / max_iters)) - span + lo


class GradientReverseLayer(nn.Module):
    """Gradient reversal with a fixed coefficient: forward ``x``, backward ``-coeff · grad``.

    Example:
        >>> grl = GradientReverseLayer(coeff=0.5)
        >>> x = torch.ones(3, requires_grad=True)
        >>> grl(x).sum().backward()
        >>> x.grad
        tensor([-0.5000, -0.5000, -0.5000])
    """

    def __init__(self, coeff: float = 1.0) -> None:
        super().__init__()
        self.coeff = float(coeff)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return reverse_gradient(x, self.coeff)

    def extra_repr(self) -> str:
        return f"coeff={self.coeff}"


class WarmStartGradientReverseLayer(nn.Module):
    """Gradient reversal whose coefficient follows :func:`warm_start_coefficient`.

    The coefficient is evaluated at the current iteration *before* stepping, so the very
    first forward uses λ(0) = lo. With ``auto_step=True`` each forward advances the
    iteration (DANN and CDAN call the loss once per training iteration); otherwise call
    :meth:`step` yourself (MDD steps once per iteration).

    The iteration counter is part of the module's ``state_dict`` (as extra state), so a
    resumed run continues the schedule where it stopped.
    """

    def __init__(
        self,
        alpha: float = 1.0,
        lo: float = 0.0,
        hi: float = 1.0,
        max_iters: int = 1000,
        auto_step: bool = False,
    ) -> None:
        super().__init__()
        if max_iters <= 0:
            raise ValueError(f"max_iters must be positive, got {max_iters}")
        self.alpha = float(alpha)
        self.lo = float(lo)
        self.hi = float(hi)
        self.max_iters = int(max_iters)
        self.auto_step = bool(auto_step)
        self.iter_num = 0

    @property
    def coeff(self) -> float:
        """The coefficient the next forward pass will use."""
        return warm_start_coefficient(self.iter_num, self.alpha, self.lo, self.hi, self.max_iters)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        coeff = self.coeff
        if self.auto_step and self.training:
            self.step()
        return reverse_gradient(x, coeff)

    def step(self) -> None:
        """Advance the schedule by one iteration."""
        self.iter_num += 1

    def get_extra_state(self) -> dict[str, int]:
        return {"iter_num": self.iter_num}

    def set_extra_state(self, state: dict[str, int]) -> None:
        self.iter_num = int(state["iter_num"])

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}, lo={self.lo}, hi={self.hi}, max_iters={self.max_iters}, auto_step={self.auto_step}"
