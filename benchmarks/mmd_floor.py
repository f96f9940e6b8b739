"""Exact blockwise MMD² beside its blocked-GEMM floor, in one process (the ``floor`` section
of ``metrics_scale.py``).

- exact: ``MaximumMeanDiscrepancy(estimator="biased").compute()`` on N source + N target
  float32 rows × 512 (5 Gaussian kernels, ×2 ladder around the median), everything included:
  row hashes, median bandwidth, the three blockwise kernel sums.
- floor: the same distance GEMMs a·bᵀ the kernel sums run — every block pair i ≤ j within a
  domain and every pair across, ``block_size`` rows per block — on blocks materialised
  beforehand, into one reused output buffer; nothing else. No exact MMD² can beat it with
  these GEMMs.
- previous (optional): the kernel sums as computed before the one-exp ladder (one
  ``squared_euclidean_distances`` and five separate exp passes per block pair), on the same
  blocks and bandwidths, for the before/after ratio and value check.

Repeats are interleaved (floor, exact, previous, floor, …) so that a change in the machine's
load hits all alike; the report keeps every repeat and the minimum. A breakdown of one
exact computation (hashing, median, each kernel sum) is timed separately.
"""

from __future__ import annotations

import time

import torch

DIMS = 512
UPDATE_ROWS = 1000


def _rows(n: int, seed: int) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    g = torch.Generator().manual_seed(seed)
    source, target = [], []
    for start in range(0, n, UPDATE_ROWS):
        rows = min(UPDATE_ROWS, n - start)
        source.append(torch.randn(rows, DIMS, generator=g))
        target.append(0.05 + torch.randn(rows, DIMS, generator=g))
    return source, target


def _setup(source, target, block_size: int):
    """The exact computation's own preparation: hashes, subsample, bandwidths, shifted blocks."""
    from dalearn.metrics._hashing import chunked_row_hashes
    from dalearn.metrics._rows import RowBlocks, gather_rows
    from dalearn.metrics.functional.bandwidth import kernel_ladder, median_bandwidth, subsample_indices

    times = {}
    start = time.perf_counter()
    hashes = torch.cat([chunked_row_hashes([source]), chunked_row_hashes([target])])
    times["hash_s"] = time.perf_counter() - start
    start = time.perf_counter()
    sample = gather_rows(source + target, subsample_indices(hashes, 4096), torch.float64)
    sigmas = kernel_ladder(median_bandwidth(sample), 5, 2.0)
    times["median_s"] = time.perf_counter() - start
    shift = sample.mean(dim=0).float()
    blocks = [RowBlocks(source, block_size, torch.float32, shift), RowBlocks(target, block_size, torch.float32, shift)]
    return sigmas, blocks, times


def _pairs(blocks):
    """(domain_a, i, domain_b, j) of every block pair the kernel sums visit."""
    s, t = (len(b) for b in blocks)
    for domain, count in ((0, s), (1, t)):
        for i in range(count):
            for j in range(i, count):
                yield domain, i, domain, j
    for i in range(s):
        for j in range(t):
            yield 0, i, 1, j


def floor_seconds(blocks, block_size: int) -> tuple[float, int]:
    """Time of the blocked distance GEMMs alone (blocks materialised before the clock starts)."""
    materialised = [[b[i] for i in range(len(b))] for b in blocks]
    out = torch.empty(block_size * block_size)
    pairs = list(_pairs(blocks))
    start = time.perf_counter()
    for da, i, db, j in pairs:
        a, b = materialised[da][i], materialised[db][j]
        torch.mm(a, b.T, out=out[: a.size(0) * b.size(0)].view(a.size(0), b.size(0)))
    return time.perf_counter() - start, len(pairs)


def previous_kernel_sums(blocks, sigmas) -> tuple[float, float]:
    """(seconds, biased MMD²) of the pre-ladder block kernel: five exps per block pair."""
    from dalearn.nn.kernels import gaussian_kernel_from_distances, squared_euclidean_distances

    def kernel_sum(x, y, symmetric):
        total = 0.0
        for i in range(len(x)):
            a = x[i]
            for j in range(i if symmetric else 0, len(y)):
                dist = squared_euclidean_distances(a, None if symmetric and i == j else y[j])
                kernel = gaussian_kernel_from_distances(dist, sigmas[0])
                for sigma_square in sigmas[1:]:
                    kernel += gaussian_kernel_from_distances(dist, sigma_square)
                kernel /= len(sigmas)
                weight = 1.0 if not symmetric or i == j else 2.0
                total += weight * float(kernel.sum(dim=1).to(torch.float64).sum())
        return total

    start = time.perf_counter()
    s, t = blocks
    a_ss, a_tt, a_st = kernel_sum(s, s, True), kernel_sum(t, t, True), kernel_sum(s, t, False)
    seconds = time.perf_counter() - start
    n_s, n_t = s.num_rows, t.num_rows
    return seconds, a_ss / n_s**2 + a_tt / n_t**2 - 2.0 * a_st / (n_s * n_t)


def breakdown(source, target, block_size: int, kernel_sums: bool) -> dict:
    """One exact computation, piece by piece, with the library's own functions (the kernel
    sums only when ``kernel_sums``; above 20k rows they are the exact time minus the rest)."""
    from dalearn.metrics.functional.exp_ladder import chains_for
    from dalearn.metrics.functional.kernel_sums import kernel_sum

    sigmas, blocks, times = _setup(source, target, block_size)
    if not kernel_sums:
        return times
    chains = [chains_for(sigmas, torch.float32)]
    for name, (a, b) in (("kernel_sum_ss_s", (blocks[0], None)), ("kernel_sum_tt_s", (blocks[1], None))):
        start = time.perf_counter()
        kernel_sum([a], b, chains, [5])
        times[name] = time.perf_counter() - start
    start = time.perf_counter()
    kernel_sum([blocks[0]], [blocks[1]], chains, [5])
    times["kernel_sum_st_s"] = time.perf_counter() - start
    times["exp_chains"] = [list(c.squarings) for c in chains[0]]
    return times


def measure(n: int, seed: int, block_size: int, repeats: int, previous: bool) -> dict:
    from dalearn.metrics import MaximumMeanDiscrepancy

    source, target = _rows(n, seed)
    metric = MaximumMeanDiscrepancy(estimator="biased", block_size=block_size)
    for s, t in zip(source, target):
        metric.update(s, t)
    sigmas, blocks, _ = _setup(source, target, block_size)
    runs = {"floor_s": [], "exact_s": [], "previous_s": []}
    value = previous_value = None
    for _ in range(repeats):
        seconds, gemms = floor_seconds(blocks, block_size)
        runs["floor_s"].append(seconds)
        start = time.perf_counter()
        value = metric.compute().item()
        runs["exact_s"].append(time.perf_counter() - start)
        metric._computed = None
        if previous:
            seconds, previous_value = previous_kernel_sums(blocks, sigmas)
            runs["previous_s"].append(seconds)
    result = {
        "n": n,
        "block_size": block_size,
        "gemms": gemms,
        "value": value,
        "previous_value": previous_value,
        "runs": runs,
        "floor_s": min(runs["floor_s"]),
        "exact_s": min(runs["exact_s"]),
        "previous_s": min(runs["previous_s"]) if previous else None,
        "breakdown": breakdown(source, target, block_size, kernel_sums=n <= 20_000),
        "threads": torch.get_num_threads(),
    }
    result["gemm_gflop"] = (
        2.0
        * DIMS
        * sum(blocks[da].block(i).size(0) * blocks[db].block(j).size(0) for da, i, db, j in _pairs(blocks))
        / 1e9
    )
    parts = result["breakdown"]
    if "kernel_sum_st_s" in parts:
        result["kernel_sums_s"] = parts["kernel_sum_ss_s"] + parts["kernel_sum_tt_s"] + parts["kernel_sum_st_s"]
    else:
        result["kernel_sums_s"] = result["exact_s"] - parts["hash_s"] - parts["median_s"]
    result["ratio"] = result["exact_s"] / result["floor_s"]
    result["kernel_sums_ratio"] = result["kernel_sums_s"] / result["floor_s"]
    if previous:
        result["previous_exact_s"] = result["previous_s"] + parts["hash_s"] + parts["median_s"]
        result["previous_ratio"] = result["previous_exact_s"] / result["floor_s"]
        result["previous_kernel_sums_ratio"] = result["previous_s"] / result["floor_s"]
    return result
