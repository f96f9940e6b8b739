"""AdaptiveFeatureNorm (stepwise AFN, Xu et al. 2019) against its NumPy gradient.

The loss value is Δr² by construction (the radius is the detached norm plus Δr), and the
true derivative of that constant is zero, so gradcheck does not apply: what the loss does
is its surrogate gradient −(2Δr/N)·f_i/‖f_i‖, which is checked here directly."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dalearn.losses import AdaptiveFeatureNorm


def features(n: int, f: int, seed: int) -> torch.Tensor:
    return torch.randn(n, f, dtype=torch.float64, generator=torch.Generator().manual_seed(seed)) * 3.0


@pytest.mark.parametrize("delta", [1.0, 0.3, 2])
def test_value_is_delta_squared(delta):
    assert AdaptiveFeatureNorm(delta=delta)(features(7, 5, seed=1)).item() == pytest.approx(delta**2, rel=1e-12)


@pytest.mark.parametrize("n,f,delta", [(7, 5, 1.0), (3, 12, 0.25)])
def test_gradient_matches_numpy(n, f, delta):
    x = features(n, f, seed=n).requires_grad_(True)
    AdaptiveFeatureNorm(delta=delta)(x).backward()
    rows = x.detach().numpy()
    expected = np.stack([-2.0 * delta * row / np.sqrt(np.sum(row**2)) / n for row in rows])
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6, atol=1e-12)


def test_one_sgd_step_enlarges_every_norm_by_two_delta_lr_over_n():
    x = features(4, 6, seed=2).requires_grad_(True)
    norms_before = x.detach().norm(dim=1)
    AdaptiveFeatureNorm(delta=1.0)(x).backward()
    with torch.no_grad():
        x -= 0.1 * x.grad
    np.testing.assert_allclose(x.detach().norm(dim=1).numpy(), (norms_before + 2 * 1.0 * 0.1 / 4).numpy(), rtol=1e-12)


def test_matches_tllib_formula_including_gradient():
    x = features(6, 4, seed=3).requires_grad_(True)
    y = x.detach().clone().requires_grad_(True)
    AdaptiveFeatureNorm(delta=1.0)(x).backward()
    radius = y.norm(p=2, dim=1).detach() + 1.0
    ((y.norm(p=2, dim=1) - radius) ** 2).mean().backward()
    np.testing.assert_allclose(x.grad.numpy(), y.grad.numpy(), rtol=1e-12)
