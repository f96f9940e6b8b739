"""JMMD (JAN) against NumPy: joint kernel = (Σ DAN kernels on f) ⊙ (σ=0.92 kernel on softmax),
and the adversarial Θ layers."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from numpy_reference import JAN_PREDICTION_SIGMA, dan_kernel, gaussian_fixed, linear_mmd, quadratic_mmd
from torch import nn

from dalearn.losses import JointMultipleKernelMaximumMeanDiscrepancy, Theta
from dalearn.nn import GaussianKernel


def jan_kernels():
    return (
        [GaussianKernel(alpha=2.0**k) for k in range(-3, 2)],
        [GaussianKernel(sigma=JAN_PREDICTION_SIGMA, track_running_stats=False)],
    )


def jan_inputs(n_s: int = 8, n_t: int = 8, seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    f_s = torch.randn(n_s, 6, dtype=torch.float64, generator=gen)
    f_t = torch.randn(n_t, 6, dtype=torch.float64, generator=gen) + 0.3
    p_s = torch.randn(n_s, 4, dtype=torch.float64, generator=gen).mul(2.0).softmax(dim=1)
    p_t = torch.randn(n_t, 4, dtype=torch.float64, generator=gen).mul(2.0).softmax(dim=1)
    return f_s, p_s, f_t, p_t


def numpy_joint_kernel(f_s, p_s, f_t, p_t) -> np.ndarray:
    f = np.concatenate([f_s.detach().numpy(), f_t.detach().numpy()])
    p = np.concatenate([p_s.detach().numpy(), p_t.detach().numpy()])
    return dan_kernel(f) * gaussian_fixed(p, JAN_PREDICTION_SIGMA)


@pytest.mark.parametrize("estimator", ["unbiased", "biased", "reference"])
def test_quadratic_jmmd_against_numpy(estimator):
    f_s, p_s, f_t, p_t = jan_inputs()
    jmmd = JointMultipleKernelMaximumMeanDiscrepancy(jan_kernels(), linear=False, estimator=estimator)
    expected = quadratic_mmd(numpy_joint_kernel(f_s, p_s, f_t, p_t), 8, 8, estimator)
    assert jmmd((f_s, p_s), (f_t, p_t)).item() == pytest.approx(expected, rel=1e-10)


def test_quadratic_jmmd_with_unequal_batches():
    f_s, p_s, f_t, p_t = jan_inputs(n_s=5, n_t=9, seed=1)
    jmmd = JointMultipleKernelMaximumMeanDiscrepancy(jan_kernels(), linear=False)
    expected = quadratic_mmd(numpy_joint_kernel(f_s, p_s, f_t, p_t), 5, 9, "unbiased")
    assert jmmd((f_s, p_s), (f_t, p_t)).item() == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("estimator", ["unbiased", "reference"])
def test_linear_jmmd_against_numpy(estimator):
    f_s, p_s, f_t, p_t = jan_inputs(seed=2)
    jmmd = JointMultipleKernelMaximumMeanDiscrepancy(jan_kernels(), linear=True, estimator=estimator)
    expected = linear_mmd(numpy_joint_kernel(f_s, p_s, f_t, p_t), 8, estimator)
    assert jmmd((f_s, p_s), (f_t, p_t)).item() == pytest.approx(expected, rel=1e-10)


def feature_grads_and_value(thetas):
    f_s, p_s, f_t, p_t = jan_inputs(seed=3)
    f_s.requires_grad_(True)
    jmmd = JointMultipleKernelMaximumMeanDiscrepancy(jan_kernels(), linear=False, thetas=thetas)
    value = jmmd((f_s, p_s), (f_t, p_t))
    value.backward()
    return value.item(), f_s.grad.numpy()


def test_theta_is_identity_at_init_and_reverses_only_its_own_gradient():
    thetas = [Theta(6).double(), Theta(4).double()]
    plain_value, plain_grad = feature_grads_and_value(None)
    theta_value, theta_grad = feature_grads_and_value(thetas)
    assert theta_value == pytest.approx(plain_value, rel=1e-12)
    np.testing.assert_allclose(theta_grad, plain_grad, rtol=1e-10, atol=1e-14)
    assert np.abs(plain_grad).max() > 1e-3

    identity = [nn.Linear(6, 6).double(), nn.Linear(4, 4).double()]
    for layer in identity:
        nn.init.eye_(layer.weight)
        nn.init.zeros_(layer.bias)
    feature_grads_and_value(identity)
    for theta, layer in zip(thetas, identity):
        np.testing.assert_allclose(theta.layer1.weight.grad.numpy(), -layer.weight.grad.numpy(), rtol=1e-10)
        assert np.abs(layer.weight.grad.numpy()).max() > 1e-4


def test_thetas_must_match_the_number_of_layers():
    with pytest.raises(ValueError, match="got 1 thetas for 2 layers"):
        JointMultipleKernelMaximumMeanDiscrepancy(jan_kernels(), thetas=[Theta(6)])
    with pytest.raises(ValueError, match="at least one kernel for every layer"):
        JointMultipleKernelMaximumMeanDiscrepancy(([GaussianKernel()], []))
