r"""Median-heuristic bandwidths for the Gaussian kernels of the MMD metrics.

Base bandwidth (one per layer):

    σ²_0 = lower median of { ‖z_i − z_j‖² : i < j }  over the pooled rows z = [source; target].

"Lower median" of P values is the ⌈P/2⌉-th smallest. When the pooled sample has at most
``median_rows`` rows the median is exact over all pairs. Above that it is the exact median
over all pairs of a subsample of ``median_rows`` rows: the rows with the smallest content
hashes (:mod:`dalearn.metrics._hashing`). That subsample is a fixed function of the
*multiset* of rows — it does not depend on their order, on how they were batched, or on the
number of processes — so the metric value is the same single-process, accumulated, or under
DDP. It behaves as a uniform random subsample for the statistics of the median.

Kernel ladder, U = ``num_kernels`` bandwidths spread geometrically around σ²_0 with ratio
``kernel_mul``:

    σ²_u = σ²_0 · kernel_mul^(u − (U−1)/2),   u = 0, …, U−1,

i.e. σ²_0/4 … 4σ²_0 for the default U = 5, kernel_mul = 2 (the seed spreads from
median/2^(U/2) to median·2^(U/2); the ladder here is centred on the median so that
kernel_mul = 2 gives octave steps).
"""

from __future__ import annotations

from typing import Optional

import torch

from dalearn.metrics._hashing import canonical_order

_MEDIAN_BLOCK = 256


def kernel_ladder(base: float, num_kernels: int, kernel_mul: float) -> tuple[float, ...]:
    """σ²_u = base · kernel_mul^(u − (U−1)/2) for u = 0 … U−1."""
    if num_kernels < 1:
        raise ValueError(f"num_kernels must be a positive integer, got {num_kernels}")
    if kernel_mul <= 0:
        raise ValueError(f"kernel_mul must be positive, got {kernel_mul}")
    if not base > 0:
        raise ValueError(f"the base bandwidth σ² must be positive, got {base}")
    center = (num_kernels - 1) / 2.0
    return tuple(float(base) * float(kernel_mul) ** (u - center) for u in range(num_kernels))


def subsample_indices(hashes: torch.Tensor, median_rows: int) -> torch.Tensor:
    """Indices of the rows used for the median: all rows when there are at most
    ``median_rows``, else the ``median_rows`` rows with the smallest hashes."""
    if median_rows < 2:
        raise ValueError(f"median_rows must be at least 2, got {median_rows}")
    if hashes.numel() <= median_rows:
        return torch.arange(hashes.numel(), device=hashes.device)
    return canonical_order(hashes)[:median_rows]


def median_squared_distance(x: torch.Tensor) -> float:
    """Lower median of ‖x_i − x_j‖² over all pairs i < j of the rows of ``x`` (float64).

    The rows are centred once; block by block, one GEMM gives ‖a‖² + ‖b‖² − 2ab (clamped at
    0) against the rows after the block, and the strictly upper part (a rectangle plus a
    small triangle) is copied into one preallocated array of the n(n−1)/2 values, whose
    ⌈P/2⌉-th smallest is then selected (NumPy's in-place introselect on the CPU, no copy).
    """
    n = x.size(0)
    if n < 2:
        raise ValueError(f"the median heuristic needs at least 2 rows in total, got {n}")
    x = x.to(torch.float64)
    x = x - x.mean(dim=0)
    sq = torch.linalg.vecdot(x, x)
    values = torch.empty(n * (n - 1) // 2, dtype=torch.float64, device=x.device)
    buffer = torch.empty(_MEDIAN_BLOCK * n, dtype=torch.float64, device=x.device)
    filled = 0
    for start in range(0, n - 1, _MEDIAN_BLOCK):
        stop = min(start + _MEDIAN_BLOCK, n)
        rows, cols = stop - start, n - start
        dist = buffer[: rows * cols].view(rows, cols)
        torch.addmm(sq[start:].unsqueeze(0), x[start:stop], x[start:].T, alpha=-2.0, out=dist)
        dist.add_(sq[start:stop].unsqueeze(1)).clamp_min_(0.0)
        triangle = torch.triu_indices(rows, rows, offset=1, device=x.device)
        upper = dist[triangle[0], triangle[1]]
        values[filled : filled + upper.numel()] = upper
        filled += upper.numel()
        rest = dist[:, rows:]
        values[filled : filled + rest.numel()].view(rows, cols - rows).copy_(rest)
        filled += rest.numel()
    k = (values.numel() + 1) // 2
    if values.device.type == "cpu":
        array = values.numpy()
        array.partition(k - 1)
        return float(array[k - 1])
    return float(torch.kthvalue(values, k).values)


def median_bandwidth(x: torch.Tensor, name: str = "features", fixed: Optional[float] = None) -> float:
    """σ²_0 for one layer: ``fixed`` when given, else :func:`median_squared_distance`.

    A zero median (more than half of the pairs are identical rows) cannot define a Gaussian
    bandwidth and raises; pass ``sigma_square`` explicitly in that case.
    """
    if fixed is not None:
        if not fixed > 0:
            raise ValueError(f"sigma_square must be positive, got {fixed}")
        return float(fixed)
    base = median_squared_distance(x)
    if not base > 0:
        raise ValueError(
            f"the median pairwise squared distance of {name} is 0 (more than half of the sampled "
            f"pairs are identical rows); pass sigma_square= to fix the bandwidth"
        )
    return base
