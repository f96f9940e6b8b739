"""Singular values for the spectral losses (BSP, BNM), safe under mixed precision."""

from __future__ import annotations

import torch

LOW_PRECISION = (torch.float16, torch.bfloat16)


def singular_values(x: torch.Tensor) -> torch.Tensor:
    """Descending singular values of a 2-D tensor, differentiable. Half and bfloat16 inputs
    (autocast, low-precision features) are computed in float32: the SVD kernels have no
    half-precision version, and 8-bit mantissas would lose the small singular values anyway."""
    if x.dtype in LOW_PRECISION:
        x = x.float()
    return torch.linalg.svdvals(x)
