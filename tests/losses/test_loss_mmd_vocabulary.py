"""One MMD estimator vocabulary for losses and metrics: same names, same meanings, same
default; the DALIB/TLlib spellings (``linear=``, ``estimator='reference'``) keep working."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from numpy_reference import dan_kernel, linear_mmd, quadratic_mmd

import dalearn.losses.mmd_estimators as vocabulary
import dalearn.metrics.functional.mmd as metric_mmd
from dalearn.losses import JointMultipleKernelMaximumMeanDiscrepancy, MultipleKernelMaximumMeanDiscrepancy
from dalearn.metrics import JointMaximumMeanDiscrepancy, MaximumMeanDiscrepancy, maximum_mean_discrepancy
from dalearn.nn import GaussianKernel


def seeded(*shape: int, seed: int) -> torch.Tensor:
    return torch.randn(*shape, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))


def test_names_and_default_are_defined_once_and_shared():
    assert vocabulary.ESTIMATORS == ("unbiased", "biased", "linear")
    assert vocabulary.DEFAULT_ESTIMATOR == "unbiased"
    assert metric_mmd.ESTIMATORS is vocabulary.ESTIMATORS
    assert metric_mmd.DEFAULT_ESTIMATOR is vocabulary.DEFAULT_ESTIMATOR
    for cls in (MultipleKernelMaximumMeanDiscrepancy, MaximumMeanDiscrepancy, JointMaximumMeanDiscrepancy):
        assert cls().estimator == "unbiased", cls.__name__
    assert JointMultipleKernelMaximumMeanDiscrepancy(([GaussianKernel()],)).estimator == "unbiased"


@pytest.mark.parametrize("estimator", ["unbiased", "biased"])
def test_loss_and_metric_agree_on_each_quadratic_estimator(estimator):
    """One fixed-bandwidth Gaussian: the loss (kernel matrix of the batch) and the metric
    (blockwise kernel sums) compute the same number for the same estimator name."""
    z_s, z_t = seeded(9, 4, seed=1), seeded(7, 4, seed=2) + 0.5
    kernel = GaussianKernel(sigma=1.5, track_running_stats=False)
    loss = MultipleKernelMaximumMeanDiscrepancy([kernel], estimator=estimator)
    metric = maximum_mean_discrepancy(z_s, z_t, num_kernels=1, sigma_square=1.5**2, estimator=estimator, block_size=4)
    assert loss(z_s, z_t).item() == pytest.approx(metric.item(), rel=1e-12)


def test_estimator_linear_is_the_linear_flag():
    z_s, z_t = seeded(8, 5, seed=3), seeded(8, 5, seed=4) - 0.4
    by_flag = MultipleKernelMaximumMeanDiscrepancy(linear=True)
    by_name = MultipleKernelMaximumMeanDiscrepancy(estimator="linear")
    assert by_name.linear and by_name.estimator == "linear"
    expected = linear_mmd(dan_kernel(np.concatenate([z_s.numpy(), z_t.numpy()])), 8, "unbiased")
    assert by_name(z_s, z_t).item() == pytest.approx(expected, rel=1e-10)
    assert by_flag(z_s, z_t).item() == pytest.approx(expected, rel=1e-10)
    assert MultipleKernelMaximumMeanDiscrepancy(linear=True, estimator="linear")(z_s, z_t).item() == pytest.approx(
        expected, rel=1e-10
    )
    with pytest.raises(ValueError, match="same batch size for this estimator"):
        by_name(z_s, z_t[:6])


def test_tllib_positional_constructors_keep_their_values():
    """``MultipleKernelMaximumMeanDiscrepancy(kernels, linear=False)`` and
    ``JointMultipleKernelMaximumMeanDiscrepancy(kernels, linear, thetas)`` as TLlib spells them."""
    z_s, z_t = seeded(8, 5, seed=5), seeded(8, 5, seed=6) + 0.3
    kernels = [GaussianKernel(alpha=2.0**k) for k in range(-3, 2)]
    k = dan_kernel(np.concatenate([z_s.numpy(), z_t.numpy()]))
    assert MultipleKernelMaximumMeanDiscrepancy(kernels, False)(z_s, z_t).item() == pytest.approx(
        quadratic_mmd(k, 8, 8, "unbiased"), rel=1e-10
    )
    assert MultipleKernelMaximumMeanDiscrepancy(kernels, linear=True)(z_s, z_t).item() == pytest.approx(
        linear_mmd(k, 8, "unbiased"), rel=1e-10
    )
    joint = JointMultipleKernelMaximumMeanDiscrepancy((kernels,), False, None)
    assert joint((z_s,), (z_t,)).item() == pytest.approx(quadratic_mmd(k, 8, 8, "unbiased"), rel=1e-10)
    assert JointMultipleKernelMaximumMeanDiscrepancy((kernels,)).linear is True
    reference = MultipleKernelMaximumMeanDiscrepancy(kernels, linear=False, estimator="reference")
    assert reference(z_s, z_t).item() == pytest.approx(quadratic_mmd(k, 8, 8, "reference"), rel=1e-10)


def test_metric_default_changed_to_unbiased_and_biased_keeps_its_old_value():
    s, t = seeded(40, 3, seed=7), seeded(30, 3, seed=8) + 0.2
    default = MaximumMeanDiscrepancy()
    default.update(s, t)
    assert default.compute().item() == pytest.approx(maximum_mean_discrepancy(s, t, estimator="unbiased").item())
    assert maximum_mean_discrepancy(s, t).item() == maximum_mean_discrepancy(s, t, estimator="unbiased").item()
    biased = maximum_mean_discrepancy(s, t, estimator="biased").item()
    unbiased = maximum_mean_discrepancy(s, t, estimator="unbiased").item()
    assert biased > unbiased


def test_reference_is_a_loss_only_spelling():
    refused = r"estimator must be one of \('unbiased', 'biased', 'linear'\), got 'reference'"
    with pytest.raises(ValueError, match=refused):
        MaximumMeanDiscrepancy(estimator="reference")
    with pytest.raises(ValueError, match=refused):
        maximum_mean_discrepancy(seeded(4, 2, seed=9), seeded(4, 2, seed=10), estimator="reference")
    with pytest.raises(ValueError, match=r"one of \('unbiased', 'biased', 'linear', 'reference'\), got 'v'"):
        MultipleKernelMaximumMeanDiscrepancy(estimator="v")
