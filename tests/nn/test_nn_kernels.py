"""Squared distances and Gaussian kernels against NumPy (broadcast differences, float64)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dalearn.nn import GaussianKernel, squared_euclidean_distances


def numpy_sq_dists(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2)


def seeded(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(*shape, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))


def test_squared_distances_of_one_batch_and_of_two():
    a, b = seeded(9, 5, seed=1) * 3.0, seeded(4, 5, seed=2)
    same = squared_euclidean_distances(a)
    np.testing.assert_allclose(same.numpy(), numpy_sq_dists(a.numpy(), a.numpy()), rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(np.diag(same.numpy()), np.zeros(9))
    cross = squared_euclidean_distances(a, b)
    assert cross.shape == (9, 4)
    np.testing.assert_allclose(cross.numpy(), numpy_sq_dists(a.numpy(), b.numpy()), rtol=1e-10)


def test_float32_distances_stay_accurate_far_from_the_origin():
    x = (100.0 + 0.01 * seeded(16, 64, seed=3)).float()
    expected = numpy_sq_dists(x.double().numpy(), x.double().numpy())
    got = squared_euclidean_distances(x).double().numpy()
    assert np.max(np.abs(got - expected)) < 1e-3 * expected.max()


@pytest.mark.parametrize("alpha", [0.125, 1.0, 2.0])
def test_data_driven_bandwidth_uses_the_mean_including_the_zero_diagonal(alpha):
    x = seeded(7, 4, seed=4)
    d = numpy_sq_dists(x.numpy(), x.numpy())
    sigma_square = alpha * d.sum() / 49.0
    kernel = GaussianKernel(alpha=alpha)
    k = kernel(x)
    assert float(kernel.sigma_square) == pytest.approx(sigma_square, rel=1e-10)
    np.testing.assert_allclose(k.numpy(), np.exp(-d / (2.0 * sigma_square)), rtol=1e-10)


def test_fixed_bandwidth_ignores_the_rest_of_the_batch():
    x = seeded(6, 3, seed=5)
    kernel = GaussianKernel(sigma=0.92, track_running_stats=False)
    k = kernel(x).numpy()
    np.testing.assert_allclose(k, np.exp(-numpy_sq_dists(x.numpy(), x.numpy()) / (2.0 * 0.92**2)), rtol=1e-10)
    k_pair = kernel(x[:2]).numpy()
    assert k_pair[0, 1] == pytest.approx(k[0, 1], rel=1e-12)


def test_data_driven_bandwidth_is_detached_from_the_graph():
    x1 = seeded(6, 3, seed=6).requires_grad_(True)
    x2 = x1.detach().clone().requires_grad_(True)
    adaptive = GaussianKernel(alpha=0.5)
    (adaptive(x1) * seeded(6, 6, seed=7)).sum().backward()
    fixed = GaussianKernel(sigma=float(adaptive.sigma_square) ** 0.5, track_running_stats=False)
    (fixed(x2) * seeded(6, 6, seed=7)).sum().backward()
    np.testing.assert_allclose(x1.grad.numpy(), x2.grad.numpy(), rtol=1e-10)


def test_a_batch_of_identical_points_gives_ones_not_nan():
    k = GaussianKernel()(torch.full((5, 3), 2.5))
    np.testing.assert_array_equal(k.numpy(), np.ones((5, 5)))


def test_bad_arguments_and_inputs_raise():
    with pytest.raises(ValueError, match=r"expects a \(N, F\) tensor, got shape \(2, 3, 4\)"):
        GaussianKernel()(torch.zeros(2, 3, 4))
    with pytest.raises(ValueError, match="needs `sigma`"):
        GaussianKernel(track_running_stats=False)
    with pytest.raises(ValueError, match="sigma must be positive"):
        GaussianKernel(sigma=0.0, track_running_stats=False)
    with pytest.raises(ValueError, match="alpha must be positive"):
        GaussianKernel(alpha=-1.0)
