"""Gaussian kernels on squared Euclidean distances — the kernel math shared by the MMD losses
(:mod:`dalearn.losses`) and the MMD metrics (:mod:`dalearn.metrics`).

    D²_ab = ‖x_a − x_b‖²,     K_ab = exp(−D²_ab / (2σ²)).

With ``track_running_stats=True`` the bandwidth follows the DAN/JAN rule: σ² = α · mean(D²)
over all entries of the (n × n) distance matrix, zero diagonal included, detached from the
graph and recomputed on every call.
"""

from __future__ import annotations

from typing import Optional

import torch
from torch import nn


def squared_euclidean_distances(a: torch.Tensor, b: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Matrix of ‖a_i − b_j‖² for (n, d) and (m, d) inputs (``b`` defaults to ``a``).

    Computed as ‖a‖² + ‖b‖² − 2 a·bᵀ, clamped at zero, which needs O(nm) memory instead of
    the O(nmd) of the broadcast difference. Both inputs are first shifted by the mean of
    ``a`` (distances are translation invariant): without it the expansion cancels
    catastrophically for features far from the origin — in float32, points at 100 ± 0.01
    get distances wrong by more than their own size. When ``b`` is ``a`` the diagonal is
    set to exactly zero.
    """
    same = b is None or b is a
    shift = a.detach().mean(dim=0, keepdim=True)
    a = a - shift
    b = a if same else b - shift
    sq_a = a.pow(2).sum(dim=1, keepdim=True)
    sq_b = sq_a if same else b.pow(2).sum(dim=1, keepdim=True)
    dist = (sq_a + sq_b.transpose(0, 1) - 2.0 * a @ b.transpose(0, 1)).clamp_min(0.0)
    if same:
        dist = dist - torch.diag_embed(torch.diagonal(dist))
    return dist


def gaussian_kernel_from_distances(sq_dist: torch.Tensor, sigma_square: torch.Tensor | float) -> torch.Tensor:
    """exp(−D² / (2σ²)) for a precomputed squared-distance matrix."""
    return torch.exp(-sq_dist / (2.0 * sigma_square))


class GaussianKernel(nn.Module):
    """Gaussian kernel matrix of a batch, K(x_a, x_b) = exp(−‖x_a − x_b‖² / (2σ²)).

    Args:
        sigma: fixed bandwidth σ, used when ``track_running_stats`` is False.
        track_running_stats: if True, σ² = α · mean(D²) of the current batch (detached).
            A batch of identical points (mean(D²) = 0, e.g. collapsed features) would give
            0/0 = NaN; the mean is floored at the dtype's smallest normal number instead,
            so such a batch gets K = 1 everywhere (all its points coincide).
        alpha: multiplier α of the data-driven bandwidth.

    Shape:
        input (N, F) → output (N, N).

    Example:
        >>> kernels = [GaussianKernel(alpha=2.0 ** k) for k in range(-3, 2)]
        >>> x = torch.randn(8, 16)
        >>> sum(k(x) for k in kernels).shape
        torch.Size([8, 8])
    """

    def __init__(self, sigma: Optional[float] = None, track_running_stats: bool = True, alpha: float = 1.0) -> None:
        super().__init__()
        if not track_running_stats and sigma is None:
            raise ValueError("GaussianKernel needs `sigma` when track_running_stats=False")
        if sigma is not None and sigma <= 0:
            raise ValueError(f"sigma must be positive, got {sigma}")
        if alpha <= 0:
            raise ValueError(f"alpha must be positive, got {alpha}")
        self.track_running_stats = track_running_stats
        self.alpha = float(alpha)
        self.sigma_square: Optional[torch.Tensor | float] = None if sigma is None else float(sigma) ** 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 2:
            raise ValueError(f"GaussianKernel expects a (N, F) tensor, got shape {tuple(x.shape)}")
        sq_dist = squared_euclidean_distances(x)
        if self.track_running_stats:
            mean_sq_dist = sq_dist.detach().mean().clamp_min(torch.finfo(sq_dist.dtype).tiny)
            self.sigma_square = self.alpha * mean_sq_dist
        return gaussian_kernel_from_distances(sq_dist, self.sigma_square)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}, track_running_stats={self.track_running_stats}"
