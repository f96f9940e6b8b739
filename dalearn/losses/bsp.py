"""BSP's batch spectral penalization (Chen et al., 2019)."""

from __future__ import annotations

import torch
from torch import nn

from dalearn.losses._checks import check_finite_values, check_pair
from dalearn.losses._spectral import singular_values


class BatchSpectralPenalizationLoss(nn.Module):
    r"""Batch Spectral Penalization (Chen et al., "Transferability vs. Discriminability: Batch
    Spectral Penalization for Adversarial Domain Adaptation", ICML 2019). Adversarial
    alignment lets a few dominant singular directions of the feature matrix carry the
    transferable part and starves the rest, which hurts discriminability; BSP penalises the
    largest singular values of each domain's batch feature matrix:

    .. math::
        L_{\mathrm{bsp}} = \sum_{i=1}^{k} \big(\sigma_{s,i}^2 + \sigma_{t,i}^2\big),
        \qquad f_s = U_s \Sigma_s V_s^\top,\ f_t = U_t \Sigma_t V_t^\top,

    with σ_{·,1} ≥ σ_{·,2} ≥ … the singular values. The paper (and Transfer-Learning-Library,
    whose ``BatchSpectralPenalizationLoss()`` this matches) uses k = 1, the default here.
    The gradient is 2 Σ_i σ_i u_i v_iᵀ over the penalised singular triplets; it is ambiguous
    only when σ_k = σ_{k+1}, which real feature batches practically never hit.

    Args:
        k: number of largest singular values penalised per domain, 1 ≤ k ≤ min(N, F).

    Shape: f_s (N_s, F), f_t (N_t, F) → scalar.

    Example:
        >>> bsp = BatchSpectralPenalizationLoss()
        >>> f_s = torch.diag(torch.tensor([3.0, 1.0]))
        >>> f_t = torch.diag(torch.tensor([2.0, 1.0]))
        >>> bsp(f_s, f_t)
        tensor(13.)
        >>> BatchSpectralPenalizationLoss(k=2)(f_s, f_t)
        tensor(15.)
    """

    def __init__(self, k: int = 1) -> None:
        super().__init__()
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be a positive integer (number of singular values), got {k!r}")
        self.k = k

    def forward(self, f_s: torch.Tensor, f_t: torch.Tensor) -> torch.Tensor:
        check_pair("f_s", f_s, "f_t", f_t)
        check_finite_values("f_s", f_s)
        check_finite_values("f_t", f_t)
        for name, f in (("f_s", f_s), ("f_t", f_t)):
            if self.k > min(f.shape):
                raise ValueError(
                    f"k={self.k} exceeds the number of singular values of {name}, "
                    f"min{tuple(f.shape)} = {min(f.shape)}; use a smaller k or a larger batch"
                )
        top_s = singular_values(f_s)[: self.k]
        top_t = singular_values(f_t)[: self.k]
        return (top_s**2).sum() + (top_t**2).sum()
