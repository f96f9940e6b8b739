"""Multilinear conditioning maps of CDAN: combine features f (N, F) with predictions g (N, C).

- :class:`MultiLinearMap`: T(f, g) = flatten(g ⊗ f), N × (C·F), entry c·F + j = g_c · f_j.
- :class:`RandomizedMultiLinearMap`: T(f, g) = (f R_f) ⊙ (g R_g) / √d with R_f ∈ R^{F×d},
  R_g ∈ R^{C×d} drawn once from N(0, 1). Unlike the reference, R_f and R_g are registered
  buffers: they are saved in the ``state_dict``, so a reloaded model computes the same map.
"""

from __future__ import annotations

import math
from typing import Optional

import torch
from torch import nn


def _check_map_inputs(f: torch.Tensor, g: torch.Tensor) -> None:
    if f.dim() != 2 or g.dim() != 2:
        raise ValueError(f"expected f (N, F) and g (N, C), got {tuple(f.shape)} and {tuple(g.shape)}")
    if f.size(0) != g.size(0):
        raise ValueError(f"f and g must have the same batch size, got {tuple(f.shape)} and {tuple(g.shape)}")


class MultiLinearMap(nn.Module):
    """Outer product map T(f, g) = flatten(g ⊗ f): (N, F), (N, C) → (N, C·F)."""

    def forward(self, f: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
        _check_map_inputs(f, g)
        return torch.bmm(g.unsqueeze(2), f.unsqueeze(1)).reshape(f.size(0), -1)


class RandomizedMultiLinearMap(nn.Module):
    """Randomized map T(f, g) = (f R_f) ⊙ (g R_g) / √d: (N, F), (N, C) → (N, d).

    Args:
        features_dim: F.
        num_classes: C.
        output_dim: d (1024 by default; the DomainNet recipe uses 51 200).
        generator: optional ``torch.Generator`` for drawing R_f and R_g.
    """

    def __init__(
        self,
        features_dim: int,
        num_classes: int,
        output_dim: int = 1024,
        generator: Optional[torch.Generator] = None,
    ) -> None:
        super().__init__()
        if min(features_dim, num_classes, output_dim) <= 0:
            raise ValueError(
                f"features_dim, num_classes and output_dim must be positive, got "
                f"{features_dim}, {num_classes}, {output_dim}"
            )
        self.output_dim = output_dim
        self.register_buffer("Rf", torch.randn(features_dim, output_dim, generator=generator))
        self.register_buffer("Rg", torch.randn(num_classes, output_dim, generator=generator))

    def forward(self, f: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
        _check_map_inputs(f, g)
        if f.size(1) != self.Rf.size(0) or g.size(1) != self.Rg.size(0):
            raise ValueError(
                f"expected f (N, {self.Rf.size(0)}) and g (N, {self.Rg.size(0)}), "
                f"got {tuple(f.shape)} and {tuple(g.shape)}"
            )
        return (f @ self.Rf.to(f.dtype)) * (g @ self.Rg.to(g.dtype)) / math.sqrt(self.output_dim)
