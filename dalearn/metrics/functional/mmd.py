r"""Dataset-level (joint) maximum mean discrepancy, exact and blockwise.

Kernel on layer l with U_l Gaussian bandwidths σ²_{l,u} (:mod:`.bandwidth`), and the joint
kernel over L layers (JMMD; L = 1 is the plain MMD):

    k_l(x, y) = (1/U_l) Σ_u exp(−‖x − y‖² / (2σ²_{l,u})),        k(x, y) = Π_l k_l(x_l, y_l)

(the mean over kernels, as in the seed; the DAN loss sums them, i.e. U_l times this value).
With A_ss = Σ_{i,j} k(s_i, s_j), A_tt likewise and A_st = Σ_{i,j} k(s_i, t_j), and k(x, x) = 1,
the estimators — names, meanings and default (``unbiased``) shared with the losses, from
:mod:`dalearn.losses.mmd_estimators` (:func:`~dalearn.losses.mmd_estimators.mmd_from_sums`):

- ``unbiased`` (default; U-statistic, zero in expectation when both samples share a distribution):
  (A_ss − n_s)/(n_s(n_s−1)) + (A_tt − n_t)/(n_t(n_t−1)) − 2 A_st/(n_s n_t)
- ``biased``   (V-statistic, ≥ 0; the default before the shared vocabulary):
  A_ss/n_s² + A_tt/n_t² − 2 A_st/(n_s n_t)
- ``linear``   (O(n) time, unbiased; rows of each domain in canonical hash order
  s_0 … s_{n_s−1}, t_0 … t_{n_t−1}, indices mod n, L = max(n_s, n_t)):
  (1/n_s) Σ_i k(s_i, s_{i+1}) + (1/n_t) Σ_j k(t_j, t_{j+1}) − (2/L) Σ_{l<L} k(s_l, t_l)

All three estimate MMD², the squared discrepancy (the unbiased and linear ones can be
slightly negative). The sums A are accumulated block by block (``block_size`` rows per side,
float64 accumulators of kernel blocks computed in the data's dtype), so memory is
O(block_size²) however many rows there are; the symmetric sums use only blocks i ≤ j.
Per block pair: one GEMM gives the scaled squared distances −c(‖a‖² + ‖b‖² − 2ab) (three
in-place passes add the norms and clamp), then a ×2 bandwidth ladder costs ONE exp and one
in-place squaring per further kernel (exp(−2c·d) = exp(−c·d)²; :mod:`.exp_ladder`,
which also states the precision), each kernel's block sum taken as it goes.

Rows are shifted by the mean of the bandwidth subsample before distances are computed
(distances are translation invariant; the shift keeps float32 distances accurate). Rows so
large that their squared distances overflow float64 raise a ``ValueError`` (rescale them);
float32 rows whose squared distances would overflow float32 are computed in float64.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import torch

from dalearn.losses.mmd_estimators import DEFAULT_ESTIMATOR, ESTIMATORS, mmd_from_sums
from dalearn.losses.mmd_estimators import check_estimator as _check_estimator
from dalearn.metrics._checks import check_float64_squares, check_layer_rows, check_rows
from dalearn.metrics._hashing import canonical_order, chunked_row_hashes
from dalearn.metrics._rows import RowBlocks, common_dtype, gather_rows
from dalearn.metrics.functional.bandwidth import kernel_ladder, median_bandwidth, subsample_indices
from dalearn.metrics.functional.exp_ladder import chains_for
from dalearn.metrics.functional.kernel_sums import kernel_sum
from dalearn.nn.kernels import gaussian_kernel_from_distances

__all__ = [
    "DEFAULT_ESTIMATOR",
    "ESTIMATORS",
    "check_estimator",
    "joint_maximum_mean_discrepancy",
    "maximum_mean_discrepancy",
]

DEFAULT_BLOCK_SIZE = 2048
DEFAULT_MEDIAN_ROWS = 4096
_PAIR_CHUNK = 65536

Layers = Sequence[list[torch.Tensor]]


def check_estimator(estimator: str) -> str:
    """The metrics' estimator names (:data:`ESTIMATORS`; DALIB's ``'reference'`` is a loss-only value)."""
    return _check_estimator(estimator, reference=False)


def _pair_kernel(
    a: Sequence[torch.Tensor], b: Sequence[torch.Tensor], sigmas: Sequence[Sequence[float]]
) -> torch.Tensor:
    """k(a_i, b_i) for matching rows (the diagonal of the kernel matrix, in O(n))."""
    kernel = None
    for layer, sigma_squares in enumerate(sigmas):
        dist = (a[layer] - b[layer]).pow(2).sum(dim=1)
        layer_kernel = sum(gaussian_kernel_from_distances(dist, s) for s in sigma_squares) / len(sigma_squares)
        kernel = layer_kernel if kernel is None else kernel * layer_kernel
    return kernel


def _pair_mean(
    layers_a: Layers,
    order_a: torch.Tensor,
    layers_b: Layers,
    order_b: torch.Tensor,
    dtypes: Sequence[torch.dtype],
    shifts: Sequence[torch.Tensor],
    sigmas: Sequence[Sequence[float]],
) -> torch.Tensor:
    """mean_i k(a[order_a[i]], b[order_b[i]]) over matching positions, in chunks."""
    total = torch.zeros((), dtype=torch.float64, device=order_a.device)
    for start in range(0, order_a.numel(), _PAIR_CHUNK):
        idx_a, idx_b = order_a[start : start + _PAIR_CHUNK], order_b[start : start + _PAIR_CHUNK]
        a = [gather_rows(c, idx_a, dt) - s for c, dt, s in zip(layers_a, dtypes, shifts)]
        b = [gather_rows(c, idx_b, dt) - s for c, dt, s in zip(layers_b, dtypes, shifts)]
        total += _pair_kernel(a, b, sigmas).to(torch.float64).sum()
    return total / order_a.numel()


def _linear_estimate(
    source: Layers,
    target: Layers,
    hash_s: torch.Tensor,
    hash_t: torch.Tensor,
    dtypes: Sequence[torch.dtype],
    shifts: Sequence[torch.Tensor],
    sigmas: Sequence[Sequence[float]],
) -> torch.Tensor:
    order_s, order_t = canonical_order(hash_s), canonical_order(hash_t)
    n_s, n_t = order_s.numel(), order_t.numel()
    within_s = _pair_mean(source, order_s, source, order_s.roll(-1), dtypes, shifts, sigmas)
    within_t = _pair_mean(target, order_t, target, order_t.roll(-1), dtypes, shifts, sigmas)
    steps = torch.arange(max(n_s, n_t), device=order_s.device)
    cross = _pair_mean(source, order_s[steps % n_s], target, order_t[steps % n_t], dtypes, shifts, sigmas)
    return within_s + within_t - 2.0 * cross


def _count(chunks: list[torch.Tensor]) -> int:
    return sum(c.size(0) for c in chunks)


def _largest_squared_distance(chunks: list[torch.Tensor], shift: torch.Tensor) -> float:
    """A float64 upper bound on every ‖x_i − x_j‖² (and on 4‖x_i − shift‖²) over the rows:
    4 Σ_f max_i |x_if − shift_f|², from per-column extremes (no float64 copy of the rows)."""
    low = torch.stack([c.amin(dim=0) for c in chunks]).amin(dim=0).to(torch.float64)
    high = torch.stack([c.amax(dim=0) for c in chunks]).amax(dim=0).to(torch.float64)
    reach = torch.maximum((high - shift).abs(), (low - shift).abs())
    return float(4.0 * reach.square().sum())


def _layer_dtype(chunks: list[torch.Tensor], largest: float) -> torch.dtype:
    """The rows' dtype, or float64 when float32 squared distances could overflow."""
    dtype = common_dtype(chunks)
    if dtype == torch.float32 and largest >= torch.finfo(torch.float32).max:
        return torch.float64
    return dtype


def mmd_from_chunks(
    source: Layers,
    target: Layers,
    num_kernels: Sequence[int],
    kernel_mul: float,
    sigma_square: Sequence[Optional[float]],
    estimator: str,
    block_size: int,
    median_rows: int,
) -> torch.Tensor:
    """(J)MMD² of rows stored as per-layer lists of chunks (see the module docstring).

    ``source[l]`` / ``target[l]`` are the chunks of layer l; every layer of a domain must be
    chunked alike. Returns a float64 scalar on the rows' device.
    """
    check_estimator(estimator)
    if not source or not source[0] or not target or not target[0]:
        raise ValueError("the MMD needs at least one source row and one target row")
    n_s, n_t = _count(source[0]), _count(target[0])
    least = 1 if estimator == "biased" else 2
    if min(n_s, n_t) < least:
        raise ValueError(
            f"the {estimator} MMD needs at least {least} rows per domain, got {n_s} source and {n_t} target rows"
        )
    hash_s = chunked_row_hashes(source)
    hash_t = chunked_row_hashes(target)
    picked = subsample_indices(torch.cat([hash_s, hash_t]), median_rows)
    sigmas, shifts, dtypes = [], [], []
    for layer, (s, t) in enumerate(zip(source, target)):
        name = "the pooled rows" if len(source) == 1 else f"layer {layer} of the pooled rows"
        sample = gather_rows(s + t, picked, torch.float64)
        shift = sample.mean(dim=0)
        largest = _largest_squared_distance(s + t, shift)
        check_float64_squares(name, largest, "squared distances")
        base = median_bandwidth(sample, name, sigma_square[layer])
        sigmas.append(kernel_ladder(base, num_kernels[layer], kernel_mul))
        shifts.append(shift)
        dtypes.append(_layer_dtype(s + t, largest))
    if estimator == "linear":
        shifts = [sh.to(dt) for sh, dt in zip(shifts, dtypes)]
        return _linear_estimate(source, target, hash_s, hash_t, dtypes, shifts, sigmas)
    dtype = torch.float64 if torch.float64 in dtypes else torch.float32
    chains = [chains_for(sig, dtype) for sig in sigmas]
    blocks_s = [RowBlocks(c, block_size, dtype, sh.to(dtype)) for c, sh in zip(source, shifts)]
    blocks_t = [RowBlocks(c, block_size, dtype, sh.to(dtype)) for c, sh in zip(target, shifts)]
    a_ss = kernel_sum(blocks_s, None, chains, num_kernels)
    a_tt = kernel_sum(blocks_t, None, chains, num_kernels)
    a_st = kernel_sum(blocks_s, blocks_t, chains, num_kernels)
    return mmd_from_sums(a_ss, a_tt, a_st, n_s, n_t, n_s, n_t, estimator)


def per_layer(value: Any, num_layers: int, name: str) -> list:
    """``value`` repeated for every layer, or the per-layer sequence checked for length."""
    if isinstance(value, (list, tuple)):
        if len(value) != num_layers:
            raise ValueError(f"{name} has {len(value)} entries for {num_layers} layers")
        return list(value)
    return [value] * num_layers


def maximum_mean_discrepancy(
    source: torch.Tensor,
    target: torch.Tensor,
    num_kernels: int = 5,
    kernel_mul: float = 2.0,
    sigma_square: Optional[float] = None,
    estimator: str = DEFAULT_ESTIMATOR,
    block_size: int = DEFAULT_BLOCK_SIZE,
    median_rows: int = DEFAULT_MEDIAN_ROWS,
) -> torch.Tensor:
    """One-shot multi-kernel MMD² between (N_s, F) and (N_t, F) rows; the value that
    :class:`dalearn.metrics.MaximumMeanDiscrepancy` accumulates. See the module docstring."""
    source = check_rows("source", source)
    target = check_rows("target", target, source.size(1))
    return mmd_from_chunks(
        [[source]], [[target]], [num_kernels], kernel_mul, [sigma_square], estimator, block_size, median_rows
    )


def joint_maximum_mean_discrepancy(
    source: Sequence[torch.Tensor],
    target: Sequence[torch.Tensor],
    num_kernels: int | Sequence[int] = 1,
    kernel_mul: float = 2.0,
    sigma_square: Optional[float] | Sequence[Optional[float]] = None,
    estimator: str = DEFAULT_ESTIMATOR,
    block_size: int = DEFAULT_BLOCK_SIZE,
    median_rows: int = DEFAULT_MEDIAN_ROWS,
) -> torch.Tensor:
    """One-shot JMMD² between per-layer source and target features (the joint kernel is the
    product over layers); the value :class:`dalearn.metrics.JointMaximumMeanDiscrepancy`
    accumulates. See the module docstring."""
    if len(source) == 0 or len(source) != len(target):
        raise ValueError(
            f"expected the same non-zero number of layers, got {len(source)} source and {len(target)} target"
        )
    layers_s = [[check_rows(f"source[{layer}]", s)] for layer, s in enumerate(source)]
    layers_t = [[check_rows(f"target[{layer}]", t, layers_s[layer][0].size(1))] for layer, t in enumerate(target)]
    check_layer_rows("source", [layer[0] for layer in layers_s])
    check_layer_rows("target", [layer[0] for layer in layers_t])
    num_layers = len(layers_s)
    return mmd_from_chunks(
        layers_s,
        layers_t,
        per_layer(num_kernels, num_layers, "num_kernels"),
        kernel_mul,
        per_layer(sigma_square, num_layers, "sigma_square"),
        estimator,
        block_size,
        median_rows,
    )
