"""MaximumMeanDiscrepancy / JointMaximumMeanDiscrepancy: values against NumPy, accumulation,
order invariance, bandwidth subsample, blockwise evaluation."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from metrics_reference import joint_mmd, ladder, linear_mmd, lower_median_pairs

from dalearn.metrics import (
    JointMaximumMeanDiscrepancy,
    MaximumMeanDiscrepancy,
    joint_maximum_mean_discrepancy,
    maximum_mean_discrepancy,
)
from dalearn.metrics._hashing import canonical_order, row_hashes


def _data(n_s=40, n_t=30, d=5, shift=0.7, seed=0):
    g = torch.Generator().manual_seed(seed)
    s = torch.randn(n_s, d, generator=g, dtype=torch.float64)
    t = torch.randn(n_t, d, generator=g, dtype=torch.float64) * 1.3 + shift
    return s, t


@pytest.mark.parametrize("estimator", ["biased", "unbiased"])
@pytest.mark.parametrize("num_kernels,kernel_mul", [(5, 2.0), (1, 2.0), (3, 1.5)])
def test_mmd_matches_numpy(estimator, num_kernels, kernel_mul):
    s, t = _data()
    metric = MaximumMeanDiscrepancy(num_kernels=num_kernels, kernel_mul=kernel_mul, estimator=estimator, block_size=16)
    metric.update(s, t)
    expected = joint_mmd([s.numpy()], [t.numpy()], [num_kernels], kernel_mul, estimator)
    assert metric.compute().item() == pytest.approx(expected, rel=1e-10, abs=1e-13)


def test_fixed_sigma_square_matches_numpy():
    s, t = _data()
    value = maximum_mean_discrepancy(s, t, sigma_square=3.0, estimator="unbiased")
    assert value.item() == pytest.approx(joint_mmd([s.numpy()], [t.numpy()], [5], 2.0, "unbiased", [3.0]), rel=1e-10)


@pytest.mark.parametrize("estimator", ["biased", "unbiased"])
def test_jmmd_matches_numpy(estimator):
    s, t = _data(30, 25, 6)
    p_s, p_t = s[:, :3].softmax(1), t[:, :3].softmax(1)
    metric = JointMaximumMeanDiscrepancy(num_kernels=[3, 1], estimator=estimator, block_size=7)
    metric.update([s, p_s], [t, p_t])
    expected = joint_mmd([s.numpy(), p_s.numpy()], [t.numpy(), p_t.numpy()], [3, 1], 2.0, estimator)
    assert metric.compute().item() == pytest.approx(expected, rel=1e-10, abs=1e-13)


@pytest.mark.parametrize("estimator", ["biased", "unbiased", "linear"])
def test_two_updates_of_64_equal_one_of_128(estimator):
    s, t = _data(128, 128, 16)
    split = MaximumMeanDiscrepancy(estimator=estimator, block_size=48)
    split.update(s[:64], t[:64])
    split.update(s[64:], t[64:])
    whole = MaximumMeanDiscrepancy(estimator=estimator, block_size=48)
    whole.update(s, t)
    one_shot = maximum_mean_discrepancy(s, t, estimator=estimator, block_size=1000)
    assert abs(split.compute().item() - whole.compute().item()) <= 1e-10 * abs(whole.compute().item())
    assert split.compute().item() == pytest.approx(one_shot.item(), rel=1e-10)


def test_jmmd_two_updates_equal_one():
    s, t = _data(128, 128, 8)
    layers_s, layers_t = [s, s[:, :4].softmax(1)], [t, t[:, :4].softmax(1)]
    split, whole = JointMaximumMeanDiscrepancy(), JointMaximumMeanDiscrepancy()
    split.update([x[:64] for x in layers_s], [x[:64] for x in layers_t])
    split.update([x[64:] for x in layers_s], [x[64:] for x in layers_t])
    whole.update(layers_s, layers_t)
    assert split.compute().item() == pytest.approx(whole.compute().item(), rel=1e-10)
    assert whole.compute().item() == pytest.approx(joint_maximum_mean_discrepancy(layers_s, layers_t).item(), rel=1e-10)


@pytest.mark.parametrize("estimator", ["biased", "unbiased", "linear"])
def test_value_does_not_depend_on_row_order_or_batching(estimator):
    s, t = _data(200, 150, 8)
    base = maximum_mean_discrepancy(s, t, estimator=estimator, median_rows=64, block_size=64).item()
    metric = MaximumMeanDiscrepancy(estimator=estimator, median_rows=64, block_size=50)
    perm_s, perm_t = torch.randperm(200), torch.randperm(150)
    for lo, hi in ((0, 37), (37, 120), (120, 200)):
        metric.update(s[perm_s[lo:hi]], t[perm_t[lo * 3 // 4 : hi * 3 // 4]])
    assert metric.compute().item() == pytest.approx(base, rel=1e-10, abs=1e-13)


def test_subsampled_bandwidth_is_the_median_over_the_smallest_hashes():
    s, t = _data(60, 50, 4)
    pooled = torch.cat([s, t])
    chosen = canonical_order(row_hashes([pooled]))[:32]
    base = lower_median_pairs(pooled[chosen].numpy())
    expected = joint_mmd([s.numpy()], [t.numpy()], [5], 2.0, "biased", [base])
    value = maximum_mean_discrepancy(s, t, median_rows=32, estimator="biased")
    assert value.item() == pytest.approx(expected, rel=1e-10)
    full = lower_median_pairs(pooled.numpy())
    assert base != full and base == pytest.approx(full, rel=0.25)


def test_row_hash_is_a_function_of_the_row_content():
    x = torch.randn(50, 7, dtype=torch.float64)
    perm = torch.randperm(50)
    assert torch.equal(row_hashes([x])[perm], row_hashes([x[perm]]))
    assert torch.equal(row_hashes([x[:20]]), row_hashes([x])[:20])
    assert row_hashes([x]).unique().numel() == 50
    zero = torch.zeros(1, 3, dtype=torch.float64)
    assert torch.equal(row_hashes([zero]), row_hashes([-zero]))
    assert not torch.equal(row_hashes([x], seed=0), row_hashes([x], seed=1))


def test_linear_estimator_matches_numpy_in_canonical_order():
    s, t = _data(23, 17, 4)
    pooled = np.vstack([s.numpy(), t.numpy()])
    sigmas = ladder(lower_median_pairs(pooled), 5, 2.0)
    order_s, order_t = canonical_order(row_hashes([s])), canonical_order(row_hashes([t]))
    expected = linear_mmd(s[order_s].numpy(), t[order_t].numpy(), sigmas)
    assert maximum_mean_discrepancy(s, t, estimator="linear").item() == pytest.approx(expected, rel=1e-10)


def test_linear_estimator_tracks_the_quadratic_value():
    s, t = _data(2000, 2000, 4, shift=1.0)
    linear = maximum_mean_discrepancy(s, t, estimator="linear", median_rows=512).item()
    unbiased = maximum_mean_discrepancy(s, t, estimator="unbiased", median_rows=512).item()
    assert linear == pytest.approx(unbiased, rel=0.15)


@pytest.mark.slow
def test_unbiased_estimator_has_zero_mean_for_one_distribution():
    g = torch.Generator().manual_seed(3)
    unbiased, biased = [], []
    for _ in range(200):
        s, t = torch.randn(2, 12, 2, generator=g, dtype=torch.float64)
        unbiased.append(maximum_mean_discrepancy(s, t, sigma_square=1.0, estimator="unbiased").item())
        biased.append(maximum_mean_discrepancy(s, t, sigma_square=1.0, estimator="biased").item())
    se_u, se_b = np.std(unbiased) / np.sqrt(200), np.std(biased) / np.sqrt(200)
    assert abs(np.mean(unbiased)) < 3.0 * se_u
    assert np.mean(biased) > 10.0 * se_b


def test_block_size_does_not_change_the_value():
    s, t = _data(70, 45, 6)
    values = [maximum_mean_discrepancy(s, t, block_size=b).item() for b in (5, 13, 64, 500)]
    assert max(values) - min(values) <= 1e-12 * abs(values[0])


def test_float32_rows_stay_accurate_with_a_large_offset():
    s, t = _data(300, 300, 32, shift=0.3)
    exact = maximum_mean_discrepancy(s + 100.0, t + 100.0).item()
    single = maximum_mean_discrepancy((s + 100.0).float(), (t + 100.0).float()).item()
    assert single == pytest.approx(exact, rel=1e-4)


@pytest.mark.filterwarnings("ignore:The ``compute`` method")
def test_forward_returns_the_batch_value_and_accumulates():
    s, t = _data(64, 64, 4)
    metric = MaximumMeanDiscrepancy()
    batch = metric(s[:32], t[:32])
    assert batch.item() == pytest.approx(maximum_mean_discrepancy(s[:32], t[:32]).item(), rel=1e-12)
    metric(s[32:], t[32:])
    assert metric.compute().item() == pytest.approx(maximum_mean_discrepancy(s, t).item(), rel=1e-12)
    metric.reset()
    with pytest.raises(ValueError, match="before any update"):
        metric.compute()
