r"""MMD² estimators from a kernel matrix over the stacked batch X = [z_s; z_t].

With K the (n_s + n_t)² kernel matrix, K_ss, K_tt, K_st its blocks:

- ``unbiased`` (U-statistic; zero in expectation when both samples come from one
  distribution, whatever the number of summed kernels):
  Σ_{i≠j} K_ss/(n_s(n_s−1)) + Σ_{i≠j} K_tt/(n_t(n_t−1)) − 2 Σ K_st/(n_s n_t)
- ``biased`` (V-statistic, ≥ 0): mean K_ss + mean K_tt − 2 mean K_st
- ``reference``: the DALIB value, ``unbiased`` + 2/(n−1) (n = n_s = n_t). The constant
  assumes a single kernel, so with several summed kernels the value is negative for
  identical distributions. Same gradient as ``unbiased``; kept for numerical parity only.

Linear-time estimator (Gretton et al., 2012), n_s = n_t = n, indices mod n:
  (1/n) Σ_i [K(s_i,s_{i+1}) + K(t_i,t_{i+1}) − K(s_i,t_{i+1}) − K(s_{i+1},t_i)]
which is unbiased as it stands (``reference`` again adds 2/(n−1)).
"""

from __future__ import annotations

import torch

ESTIMATORS = ("unbiased", "biased", "reference")


def check_estimator(estimator: str, linear: bool) -> str:
    allowed = ("unbiased", "reference") if linear else ESTIMATORS
    if estimator not in allowed:
        kind = "linear" if linear else "quadratic"
        raise ValueError(f"estimator must be one of {allowed} for the {kind} MMD, got {estimator!r}")
    return estimator


def quadratic_mmd(kernel_matrix: torch.Tensor, n_s: int, n_t: int, estimator: str = "unbiased") -> torch.Tensor:
    """MMD² from the full kernel matrix of [z_s; z_t] (see the module docstring)."""
    k_ss = kernel_matrix[:n_s, :n_s]
    k_tt = kernel_matrix[n_s:, n_s:]
    k_st = kernel_matrix[:n_s, n_s:]
    if estimator == "biased":
        return k_ss.mean() + k_tt.mean() - 2.0 * k_st.mean()
    if n_s < 2 or n_t < 2:
        raise ValueError(f"the unbiased MMD needs at least 2 samples per domain, got {n_s} and {n_t}")
    within_s = (k_ss.sum() - k_ss.diagonal().sum()) / (n_s * (n_s - 1))
    within_t = (k_tt.sum() - k_tt.diagonal().sum()) / (n_t * (n_t - 1))
    value = within_s + within_t - 2.0 * k_st.mean()
    if estimator == "reference":
        if n_s != n_t:
            raise ValueError(f"the reference estimator needs equal batch sizes, got {n_s} and {n_t}")
        value = value + 2.0 / (n_s - 1)
    return value


def linear_mmd(kernel_matrix: torch.Tensor, n: int, estimator: str = "unbiased") -> torch.Tensor:
    """Linear-time MMD² over consecutive pairs of the (2n)² kernel matrix of [z_s; z_t]."""
    if n < 2:
        raise ValueError(f"the linear MMD needs at least 2 samples per domain, got {n}")
    i = torch.arange(n, device=kernel_matrix.device)
    j = (i + 1) % n
    h = kernel_matrix[i, j] + kernel_matrix[n + i, n + j] - kernel_matrix[i, n + j] - kernel_matrix[j, n + i]
    value = h.mean()
    if estimator == "reference":
        value = value + 2.0 / (n - 1)
    return value
