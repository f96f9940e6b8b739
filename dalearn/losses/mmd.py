"""DAN's multiple-kernel maximum mean discrepancy (Long et al., 2015)."""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from dalearn.losses._checks import check_pair
from dalearn.losses.mmd_estimators import DEFAULT_ESTIMATOR, check_estimator, is_linear, linear_mmd, quadratic_mmd


def default_kernels() -> list[nn.Module]:
    """The DAN recipe: five Gaussian kernels with σ² = α·mean(D²), α ∈ {1/8, 1/4, 1/2, 1, 2}."""
    from dalearn.nn.kernels import GaussianKernel

    return [GaussianKernel(alpha=2.0**k) for k in range(-3, 2)]


class MultipleKernelMaximumMeanDiscrepancy(nn.Module):
    r"""MK-MMD² between source and target activations with a sum of kernels k = Σ_u k_u:

    .. math::
        \hat D_k = \frac{1}{n_s(n_s-1)}\sum_{i\ne j} k(z^s_i, z^s_j)
                 + \frac{1}{n_t(n_t-1)}\sum_{i\ne j} k(z^t_i, z^t_j)
                 - \frac{2}{n_s n_t}\sum_{i,j} k(z^s_i, z^t_j)

    Each kernel module maps the stacked batch [z_s; z_t] (N, F) to an (N, N) matrix
    (:class:`dalearn.nn.GaussianKernel`), so data-driven bandwidths see both domains.

    Args:
        kernels: kernel modules whose matrices are summed.
        linear: the DALIB flag for the O(n) linear-time estimator (needs n_s = n_t); the same
            as ``estimator='linear'``.
        quadratic_program: DAN's QP over kernel weights — not supported (DALIB never
            implemented it either); only ``False`` is accepted.
        estimator: the vocabulary shared with :mod:`dalearn.metrics`
            (:mod:`dalearn.losses.mmd_estimators`): ``'unbiased'`` (default, zero in
            expectation for one distribution), ``'biased'`` (quadratic only) or ``'linear'``;
            plus ``'reference'`` for the DALIB value, which adds 2/(n−1) — a constant that
            does not change the gradient but makes the value negative for identical
            distributions when several kernels are summed.

    Shape: z_s (N_s, F) and z_t (N_t, F) (any trailing dims are flattened) → scalar.

    Example:
        >>> from dalearn.nn import GaussianKernel
        >>> mkmmd = MultipleKernelMaximumMeanDiscrepancy([GaussianKernel(alpha=a) for a in (0.5, 1.0, 2.0)])
        >>> mkmmd(torch.randn(16, 32), torch.randn(16, 32) + 1.0) > 0
        tensor(True)
    """

    def __init__(
        self,
        kernels: Sequence[nn.Module] | None = None,
        linear: bool = False,
        quadratic_program: bool = False,
        estimator: str = DEFAULT_ESTIMATOR,
    ) -> None:
        super().__init__()
        if quadratic_program:
            raise ValueError(
                "quadratic_program=True (QP kernel weights) is not supported; kernels are summed with weight 1"
            )
        kernels = default_kernels() if kernels is None else list(kernels)
        if not kernels:
            raise ValueError("MultipleKernelMaximumMeanDiscrepancy needs at least one kernel")
        self.kernels = nn.ModuleList(kernels)
        self.estimator = check_estimator(estimator, linear)
        self.linear = is_linear(estimator, linear)

    def forward(self, z_s: torch.Tensor, z_t: torch.Tensor) -> torch.Tensor:
        z_s, z_t = z_s.flatten(1) if z_s.dim() > 2 else z_s, z_t.flatten(1) if z_t.dim() > 2 else z_t
        check_pair("z_s", z_s, "z_t", z_t, same_batch=self.linear)
        features = torch.cat([z_s, z_t], dim=0)
        kernel_matrix = sum(kernel(features) for kernel in self.kernels)
        if self.linear:
            return linear_mmd(kernel_matrix, z_s.size(0), self.estimator)
        return quadratic_mmd(kernel_matrix, z_s.size(0), z_t.size(0), self.estimator)
