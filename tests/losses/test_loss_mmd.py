"""MK-MMD (DAN) estimators against NumPy with the five DAN kernels, and their statistics."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from numpy_reference import DAN_ALPHAS, dan_kernel, linear_mmd, quadratic_mmd

from dalearn.losses import MultipleKernelMaximumMeanDiscrepancy, default_kernels


def seeded(*shape: int, seed: int) -> torch.Tensor:
    return torch.randn(*shape, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))


def test_default_kernels_are_the_five_dan_bandwidths():
    assert [k.alpha for k in default_kernels()] == list(DAN_ALPHAS)
    assert all(k.track_running_stats for k in default_kernels())


@pytest.mark.parametrize("estimator", ["unbiased", "biased", "reference"])
def test_quadratic_estimators_against_numpy(estimator):
    z_s, z_t = seeded(8, 5, seed=1), seeded(8, 5, seed=2) + 0.3
    value = MultipleKernelMaximumMeanDiscrepancy(linear=False, estimator=estimator)(z_s, z_t)
    k = dan_kernel(np.concatenate([z_s.numpy(), z_t.numpy()]))
    assert value.item() == pytest.approx(quadratic_mmd(k, 8, 8, estimator), rel=1e-10)


@pytest.mark.parametrize("estimator", ["unbiased", "biased"])
def test_quadratic_estimators_with_unequal_batches(estimator):
    z_s, z_t = seeded(6, 3, seed=3), seeded(9, 3, seed=4) * 1.5
    value = MultipleKernelMaximumMeanDiscrepancy(estimator=estimator)(z_s, z_t)
    k = dan_kernel(np.concatenate([z_s.numpy(), z_t.numpy()]))
    assert value.item() == pytest.approx(quadratic_mmd(k, 6, 9, estimator), rel=1e-10)


@pytest.mark.parametrize("estimator", ["unbiased", "reference"])
def test_linear_estimators_against_numpy(estimator):
    z_s, z_t = seeded(8, 5, seed=5), seeded(8, 5, seed=6) - 0.4
    value = MultipleKernelMaximumMeanDiscrepancy(linear=True, estimator=estimator)(z_s, z_t)
    k = dan_kernel(np.concatenate([z_s.numpy(), z_t.numpy()]))
    assert value.item() == pytest.approx(linear_mmd(k, 8, estimator), rel=1e-10)


def test_images_are_flattened_to_vectors():
    z_s, z_t = seeded(4, 2, 3, seed=7), seeded(4, 2, 3, seed=8)
    mmd = MultipleKernelMaximumMeanDiscrepancy()
    assert mmd(z_s, z_t).item() == pytest.approx(mmd(z_s.flatten(1), z_t.flatten(1)).item(), rel=1e-12)


def test_reference_value_is_negative_for_identical_batches_and_matches_its_high_dimensional_limit():
    """With z_t = z_s and n = 8 in high dimension, all distinct pairs have D² ≈ 2F while the 2n
    stacked points pair up at distance 0, so mean(D²) = (1 − 2·16/256)·2F and every off-pair
    kernel is exp(−1/(2·0.875·α)). The reference value is then
    2S/(n²(n−1)) − 10/n + 2/(n−1) with S = n(n−1)·Σ_α exp(−1/(1.75α))."""
    n = 8
    s = n * (n - 1) * sum(math.exp(-1.0 / (1.75 * a)) for a in DAN_ALPHAS)
    limit = 2.0 * s / (n * n * (n - 1)) - 10.0 / n + 2.0 / (n - 1)
    mmd = MultipleKernelMaximumMeanDiscrepancy(estimator="reference")
    z = seeded(n, 4096, seed=9)
    assert mmd(z, z.clone()).item() == pytest.approx(limit, abs=2e-3)
    assert limit < -0.5
    for seed in range(3):
        z = seeded(n, 16, seed=10 + seed)
        assert mmd(z, z.clone()).item() < -0.4


def draws(shift: float, estimator: str, linear: bool, count: int = 300) -> np.ndarray:
    mmd = MultipleKernelMaximumMeanDiscrepancy(linear=linear, estimator=estimator)
    gen = torch.Generator().manual_seed(123)
    values = []
    for _ in range(count):
        z_s = torch.randn(8, 4, dtype=torch.float64, generator=gen)
        z_t = torch.randn(8, 4, dtype=torch.float64, generator=gen) + shift
        values.append(mmd(z_s, z_t).item())
    return np.array(values)


@pytest.mark.slow
@pytest.mark.parametrize("linear", [False, True])
def test_unbiased_estimator_is_zero_on_average_for_one_distribution_and_positive_for_two(linear):
    same = draws(0.0, "unbiased", linear)
    standard_error = same.std(ddof=1) / math.sqrt(same.size)
    assert abs(same.mean()) < 3.0 * standard_error
    shifted = draws(1.0, "unbiased", linear)
    assert shifted.mean() > 10.0 * shifted.std(ddof=1) / math.sqrt(shifted.size)


@pytest.mark.slow
def test_reference_estimator_is_offset_by_two_over_n_minus_one_for_one_distribution():
    values = draws(0.0, "reference", linear=False)
    standard_error = values.std(ddof=1) / math.sqrt(values.size)
    assert values.mean() > 10.0 * standard_error
    assert abs(values.mean() - 2.0 / 7.0) < 3.0 * standard_error


def test_collapsed_features_give_zero_and_a_finite_gradient():
    z_s = torch.zeros(4, 3, dtype=torch.float64, requires_grad=True)
    value = MultipleKernelMaximumMeanDiscrepancy()(z_s, torch.zeros(4, 3, dtype=torch.float64))
    value.backward()
    assert value.item() == 0.0
    assert torch.isfinite(z_s.grad).all()
