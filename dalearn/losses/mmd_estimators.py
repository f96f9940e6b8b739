r"""The MMD² estimators: one vocabulary for :mod:`dalearn.losses` and :mod:`dalearn.metrics`.

Both the DAN/JAN losses (a kernel matrix over one mini-batch) and the dataset-level metrics
(kernel sums accumulated block by block) name their estimator with ``estimator=`` and accept
the same three names, with the same meaning and the same default:

- ``unbiased`` (**default**; U-statistic, zero in expectation when both samples come from one
  distribution, whatever the number of summed kernels; can be slightly negative):
  Σ_{i≠j} K_ss/(n_s(n_s−1)) + Σ_{i≠j} K_tt/(n_t(n_t−1)) − 2 Σ K_st/(n_s n_t)
- ``biased`` (V-statistic, ≥ 0, biased upwards by O(1/n)):
  mean K_ss + mean K_tt − 2 mean K_st
- ``linear`` (Gretton et al., 2012: O(n) time, unbiased, higher variance): a sum over
  consecutive pairs of rows instead of all pairs. The losses pair the rows of the batch in
  batch order and need n_s = n_t = n (indices mod n):
  (1/n) Σ_i [K(s_i,s_{i+1}) + K(t_i,t_{i+1}) − K(s_i,t_{i+1}) − K(s_{i+1},t_i)];
  the metrics pair the rows of the whole dataset in a canonical content-hash order and allow
  n_s ≠ n_t (:mod:`dalearn.metrics.functional.mmd`).

K_ss, K_tt, K_st are the blocks of the kernel matrix of the stacked rows X = [z_s; z_t].

Why ``unbiased`` is the default everywhere: it is the estimator whose expectation is the
population MMD², so "no shift" reads as ≈ 0 at any sample size. The losses always defaulted
to it; the metrics defaulted to ``biased`` until they adopted this vocabulary (pass
``estimator="biased"`` for their former values — identical numbers).

Old spellings that keep working:

- ``linear=True`` (the DALIB/TLlib constructor flag of the losses) is the same as
  ``estimator="linear"``; with it, ``estimator`` only picks ``'unbiased'`` (plain) or
  ``'reference'`` below.
- ``reference`` (losses only): the DALIB value, the ``unbiased`` (or linear) value
  + 2/(n−1), n = n_s = n_t. The constant assumes a single kernel, so with several summed
  kernels the value is negative for identical distributions. Same gradient as ``unbiased``;
  kept for numerical parity with DALIB only, so the metrics do not accept it.
"""

from __future__ import annotations

from typing import Optional

import torch

ESTIMATORS = ("unbiased", "biased", "linear")
DEFAULT_ESTIMATOR = "unbiased"
REFERENCE = "reference"
_LINEAR_VARIANTS = ("unbiased", REFERENCE)


def check_estimator(estimator: str, linear: bool = False, reference: bool = True) -> str:
    """Validate an estimator name and return it.

    ``linear=True`` is the losses' DALIB flag (the estimator then picks the linear variant:
    ``'unbiased'``, ``'linear'`` or ``'reference'``); ``reference=False`` (the metrics)
    refuses the DALIB-parity value.
    """
    if linear:
        if estimator not in _LINEAR_VARIANTS + ("linear",) or (estimator == REFERENCE and not reference):
            allowed = _LINEAR_VARIANTS if reference else ("unbiased",)
            raise ValueError(f"estimator must be one of {allowed} for the linear MMD, got {estimator!r}")
        return estimator
    allowed = ESTIMATORS + (REFERENCE,) if reference else ESTIMATORS
    if estimator not in allowed:
        raise ValueError(f"estimator must be one of {allowed}, got {estimator!r}")
    return estimator


def is_linear(estimator: str, linear: bool = False) -> bool:
    """Whether the linear-time estimator is selected (by name or by the DALIB flag)."""
    return linear or estimator == "linear"


def mmd_from_sums(
    sum_ss: torch.Tensor,
    sum_tt: torch.Tensor,
    sum_st: torch.Tensor,
    trace_s: torch.Tensor | float,
    trace_t: torch.Tensor | float,
    n_s: int,
    n_t: int,
    estimator: str = DEFAULT_ESTIMATOR,
) -> torch.Tensor:
    """``biased``/``unbiased``/``reference`` MMD² from the block sums Σ K_ss, Σ K_tt, Σ K_st
    and the diagonal sums tr K_ss, tr K_tt (the module docstring's formulas)."""
    if estimator == "biased":
        return sum_ss / (n_s * n_s) + sum_tt / (n_t * n_t) - 2.0 * sum_st / (n_s * n_t)
    if n_s < 2 or n_t < 2:
        raise ValueError(f"the unbiased MMD needs at least 2 samples per domain, got {n_s} and {n_t}")
    value = (sum_ss - trace_s) / (n_s * (n_s - 1)) + (sum_tt - trace_t) / (n_t * (n_t - 1)) - 2.0 * sum_st / (n_s * n_t)
    if estimator == REFERENCE:
        value = value + reference_offset(n_s, n_t)
    return value


def reference_offset(n_s: int, n_t: Optional[int] = None) -> float:
    """DALIB's constant 2/(n−1) (needs n_s = n_t = n)."""
    if n_t is not None and n_s != n_t:
        raise ValueError(f"the reference estimator needs equal batch sizes, got {n_s} and {n_t}")
    return 2.0 / (n_s - 1)


def quadratic_mmd(kernel_matrix: torch.Tensor, n_s: int, n_t: int, estimator: str = DEFAULT_ESTIMATOR) -> torch.Tensor:
    """MMD² from the full kernel matrix of [z_s; z_t] (``biased``, ``unbiased`` or ``reference``)."""
    k_ss = kernel_matrix[:n_s, :n_s]
    k_tt = kernel_matrix[n_s:, n_s:]
    k_st = kernel_matrix[:n_s, n_s:]
    return mmd_from_sums(
        k_ss.sum(), k_tt.sum(), k_st.sum(), k_ss.diagonal().sum(), k_tt.diagonal().sum(), n_s, n_t, estimator
    )


def linear_mmd(kernel_matrix: torch.Tensor, n: int, estimator: str = DEFAULT_ESTIMATOR) -> torch.Tensor:
    """Linear-time MMD² over consecutive pairs of the (2n)² kernel matrix of [z_s; z_t]
    (``estimator='reference'`` adds DALIB's 2/(n−1))."""
    if n < 2:
        raise ValueError(f"the linear MMD needs at least 2 samples per domain, got {n}")
    i = torch.arange(n, device=kernel_matrix.device)
    j = (i + 1) % n
    h = kernel_matrix[i, j] + kernel_matrix[n + i, n + j] - kernel_matrix[i, n + j] - kernel_matrix[j, n + i]
    value = h.mean()
    if estimator == REFERENCE:
        value = value + reference_offset(n)
    return value
