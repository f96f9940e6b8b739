"""The one-exp bandwidth ladder of the blockwise MMD: chain planning, block sums against
NumPy and against the previous five-exp formula, and its float32 precision."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from metrics_reference import joint_mmd, sq_dists

import dalearn.metrics.functional.exp_ladder as exp_ladder
from dalearn.metrics import maximum_mean_discrepancy
from dalearn.metrics.functional.bandwidth import kernel_ladder
from dalearn.metrics.functional.exp_ladder import (
    BlockWorkspace,
    layer_kernel,
    layer_kernel_sum,
    plan_exp_chains,
)
from dalearn.nn.kernels import gaussian_kernel_from_distances, squared_euclidean_distances


def _rows(n, d, seed, dtype=torch.float64, scale=1.0):
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=dtype) * scale


def test_a_doubling_ladder_is_one_exp_and_one_squaring_per_further_kernel():
    sigmas = kernel_ladder(3.7, 5, 2.0)
    (chain,) = plan_exp_chains(sigmas)
    assert chain.squarings == (0, 1, 1, 1, 1)
    assert chain.rate == 1.0 / (2.0 * max(sigmas))


@pytest.mark.parametrize(
    "num_kernels,kernel_mul,expected",
    [
        (3, 4.0, [(0, 2, 2)]),
        (3, 1.5, [(0,), (0,), (0,)]),
        (4, math.sqrt(2.0), [(0, 1), (0, 1)]),
        (1, 2.0, [(0,)]),
    ],
)
def test_other_ladders_use_the_fewest_chains(num_kernels, kernel_mul, expected):
    chains = plan_exp_chains(kernel_ladder(0.9, num_kernels, kernel_mul))
    assert sorted(c.squarings for c in chains) == sorted(expected)
    assert sum(len(c) for c in chains) == num_kernels


def test_repeated_bandwidths_and_the_squaring_cap():
    assert [c.squarings for c in plan_exp_chains([2.0, 2.0, 1.0])] == [(0, 0, 1)]
    seven = kernel_ladder(1.0, 7, 2.0)
    assert [c.squarings for c in plan_exp_chains(seven)] == [(0, 1, 1, 1, 1, 1, 1)]
    capped = plan_exp_chains(seven, max_squarings=exp_ladder.FLOAT32_MAX_SQUARINGS)
    assert [c.squarings for c in capped] == [(0, 1, 1, 1, 1), (0, 1)]
    assert capped[1].rate == capped[0].rate * 32.0
    with pytest.raises(ValueError, match="σ² must be positive"):
        plan_exp_chains([1.0, 0.0])


def _factors(a, b, chains):
    """(rows, squared norms) of two row blocks."""
    return (a, (a * a).sum(1)), (b, (b * b).sum(1))


def _numpy_kernel_sums(a, b, sigmas):
    d = sq_dists(a, b)
    return [float(np.exp(-d / (2.0 * s)).sum()) for s in sigmas]


@pytest.mark.parametrize("num_kernels,kernel_mul", [(5, 2.0), (3, 1.5), (4, math.sqrt(2.0)), (3, 4.0)])
@pytest.mark.parametrize("symmetric", [False, True])
def test_block_kernel_sum_matches_numpy_in_float64(num_kernels, kernel_mul, symmetric):
    a, b = _rows(37, 6, 0), _rows(29, 6, 1) + 0.4
    sigmas = kernel_ladder(9.0, num_kernels, kernel_mul)
    chains = plan_exp_chains(sigmas)
    workspace = BlockWorkspace(64, torch.float64, a.device)
    left, right = _factors(a, a if symmetric else b, chains)
    total = layer_kernel_sum(left, right, symmetric, chains, workspace).item()
    expected = sum(_numpy_kernel_sums(a.numpy(), (a if symmetric else b).numpy(), sigmas))
    assert total == pytest.approx(expected, rel=1e-12)
    mean = layer_kernel(left, right, symmetric, chains, workspace)
    expected_mean = np.mean(
        [np.exp(-sq_dists(a.numpy(), (a if symmetric else b).numpy()) / (2.0 * s)) for s in sigmas], axis=0
    )
    np.testing.assert_allclose(mean.numpy(), expected_mean, rtol=1e-12, atol=1e-15)
    if symmetric:
        assert torch.all(mean.diagonal() == 1.0)


def test_float32_squaring_chain_stays_within_1e6_of_direct_exps_and_of_float64():
    """K^16 from four squarings carries ≲ 2^5 roundings per entry, random in sign: block sums
    over 512² entries stay within 1e-6 of both float32 direct exps and the float64 truth."""
    a, b = _rows(512, 64, 2, torch.float32), _rows(512, 64, 3, torch.float32) + 0.1
    sigmas = kernel_ladder(128.0, 5, 2.0)
    workspace = BlockWorkspace(512, torch.float32, a.device)
    chain_sums = []
    for sigma_square in sigmas:
        single = plan_exp_chains([sigma_square])
        chain_sums.append(layer_kernel_sum(*_factors(a, b, single), False, single, workspace).item())
    ladder = plan_exp_chains(sigmas)
    ladder_total = layer_kernel_sum(*_factors(a, b, ladder), False, ladder, workspace).item()
    truth = sum(_numpy_kernel_sums(a.double().numpy(), b.double().numpy(), sigmas))
    assert ladder_total == pytest.approx(sum(chain_sums), rel=1e-6)
    assert ladder_total == pytest.approx(truth, rel=1e-6)
    block = workspace.take(512, 512)
    (a_rows, sq_a), (b_rows, sq_b) = _factors(a, b, ladder)
    scale = exp_ladder.distance_scale(ladder)
    exp_ladder.negative_scaled_distances(a_rows, sq_a, b_rows, sq_b, scale, False, block).exp2_()
    for _ in range(4):
        block.mul_(block)
    direct = torch.exp(-torch.from_numpy(sq_dists(a.double().numpy(), b.double().numpy())) / (2.0 * min(sigmas)))
    relative = ((block.double() - direct) / direct).abs()
    assert float(relative.median()) < 1e-6
    assert float(relative.max()) < 2e-5


def test_float32_mmd_with_the_ladder_equals_one_exp_per_kernel_within_1e6(monkeypatch):
    s = _rows(1500, 32, 4, torch.float32)
    t = _rows(1500, 32, 5, torch.float32) + 0.3
    ladder = maximum_mean_discrepancy(s, t, block_size=512).item()
    monkeypatch.setattr(exp_ladder, "FLOAT32_MAX_SQUARINGS", 0)
    one_exp_each = maximum_mean_discrepancy(s, t, block_size=512).item()
    assert ladder != one_exp_each
    assert ladder == pytest.approx(one_exp_each, rel=1e-6)


def _previous_implementation(s, t, num_kernels, kernel_mul, base, estimator):
    """The blockwise MMD before the ladder: squared_euclidean_distances, then one
    gaussian_kernel_from_distances per kernel, on the whole stacked matrix."""
    z = torch.cat([s, t])
    dist = squared_euclidean_distances(z)
    sigmas = kernel_ladder(base, num_kernels, kernel_mul)
    kernel = sum(gaussian_kernel_from_distances(dist, sg) for sg in sigmas) / num_kernels
    n_s, n_t = s.size(0), t.size(0)
    k_ss, k_tt, k_st = kernel[:n_s, :n_s].sum(), kernel[n_s:, n_s:].sum(), kernel[:n_s, n_s:].sum()
    if estimator == "biased":
        return float(k_ss / n_s**2 + k_tt / n_t**2 - 2 * k_st / (n_s * n_t))
    return float((k_ss - n_s) / (n_s * (n_s - 1)) + (k_tt - n_t) / (n_t * (n_t - 1)) - 2 * k_st / (n_s * n_t))


@pytest.mark.parametrize("estimator", ["biased", "unbiased"])
@pytest.mark.parametrize("num_kernels,kernel_mul", [(5, 2.0), (7, 2.0), (3, 1.5)])
def test_values_equal_the_previous_formula_within_1e6(estimator, num_kernels, kernel_mul):
    s, t = _rows(300, 12, 6) + 3.0, _rows(260, 12, 7) * 1.1 + 3.2
    value = maximum_mean_discrepancy(
        s, t, num_kernels=num_kernels, kernel_mul=kernel_mul, sigma_square=20.0, estimator=estimator, block_size=64
    ).item()
    previous = _previous_implementation(s, t, num_kernels, kernel_mul, 20.0, estimator)
    assert value == pytest.approx(previous, rel=1e-6)
    expected = joint_mmd([s.numpy()], [t.numpy()], [num_kernels], kernel_mul, estimator, [20.0])
    assert value == pytest.approx(expected, rel=1e-10)
