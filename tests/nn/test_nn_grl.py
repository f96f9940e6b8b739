"""Gradient reversal: identity forward, −coeff·grad backward, the warm-start schedule and
its iteration counter."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
import torch

from dalearn.nn import GradientReverseLayer, WarmStartGradientReverseLayer, warm_start_coefficient


def numpy_schedule(i: float, alpha: float = 1.0, lo: float = 0.0, hi: float = 1.0, n: float = 1000.0) -> float:
    return float(2.0 * (hi - lo) / (1.0 + np.exp(-alpha * i / n)) - (hi - lo) + lo)


def reversed_grad(layer: torch.nn.Module, x: torch.Tensor, upstream: torch.Tensor) -> torch.Tensor:
    x = x.clone().requires_grad_(True)
    y = layer(x)
    assert torch.equal(y, x.detach())
    y.backward(upstream)
    return x.grad


@pytest.mark.parametrize("coeff", [1.0, 0.37, 2.5])
def test_fixed_layer_is_identity_forward_and_negated_scaled_backward(coeff):
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(5, 7, dtype=torch.float64, generator=gen)
    upstream = torch.randn(5, 7, dtype=torch.float64, generator=gen)
    grad = reversed_grad(GradientReverseLayer(coeff), x, upstream)
    np.testing.assert_array_equal(grad.numpy(), -coeff * upstream.numpy())


def test_published_warm_start_values():
    iterations = [0, 100, 500, 1000, 2000, 5000, 10000]
    published = [0.0, 0.0500, 0.2449, 0.4621, 0.7616, 0.9866, 0.9999]
    values = [warm_start_coefficient(i) for i in iterations]
    np.testing.assert_allclose(values, published, atol=5e-5)
    np.testing.assert_allclose(values, [numpy_schedule(i) for i in iterations], rtol=1e-12, atol=1e-15)


def test_schedule_with_other_bounds_and_rate():
    iterations = [0, 7, 300, 2500, 40000]
    values = [warm_start_coefficient(i, alpha=3.0, lo=0.2, hi=0.7, max_iters=500) for i in iterations]
    expected = [numpy_schedule(i, alpha=3.0, lo=0.2, hi=0.7, n=500) for i in iterations]
    np.testing.assert_allclose(values, expected, rtol=1e-12)
    assert values[0] == pytest.approx(0.2, abs=1e-15)
    assert values[-1] == pytest.approx(0.7, abs=1e-10)


def test_auto_step_advances_once_per_training_forward_and_uses_the_coefficient_before_stepping():
    layer = WarmStartGradientReverseLayer(alpha=1.0, lo=0.0, hi=1.0, max_iters=10, auto_step=True)
    x = torch.randn(4, 3, dtype=torch.float64)
    upstream = torch.ones(4, 3, dtype=torch.float64)
    first = reversed_grad(layer, x, upstream)
    assert layer.iter_num == 1
    np.testing.assert_array_equal(first.numpy(), np.zeros((4, 3)))
    second = reversed_grad(layer, x, upstream)
    assert layer.iter_num == 2
    np.testing.assert_allclose(second.numpy(), -numpy_schedule(1, n=10) * np.ones((4, 3)), rtol=1e-12)
    layer.eval()
    reversed_grad(layer, x, upstream)
    assert layer.iter_num == 2


def test_without_auto_step_only_step_advances():
    layer = WarmStartGradientReverseLayer(max_iters=1000)
    for _ in range(3):
        layer(torch.zeros(2, 2))
    assert layer.iter_num == 0
    for _ in range(1000):
        layer.step()
    assert layer.coeff == pytest.approx(math.tanh(0.5), rel=1e-12)


def test_iteration_count_survives_state_dict_round_trip_through_a_weights_only_file():
    model = torch.nn.Sequential(torch.nn.Linear(3, 3), WarmStartGradientReverseLayer(auto_step=True))
    model[1].iter_num = 1234
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    buffer.seek(0)
    fresh = torch.nn.Sequential(torch.nn.Linear(3, 3), WarmStartGradientReverseLayer(auto_step=True))
    fresh.load_state_dict(torch.load(buffer, weights_only=True))
    assert fresh[1].iter_num == 1234
    assert fresh[1].coeff == pytest.approx(numpy_schedule(1234), rel=1e-12)


def test_non_positive_max_iters_is_rejected():
    with pytest.raises(ValueError, match="max_iters must be positive, got 0"):
        WarmStartGradientReverseLayer(max_iters=0)
    with pytest.raises(ValueError, match="max_iters must be positive"):
        warm_start_coefficient(5, max_iters=-1.0)
