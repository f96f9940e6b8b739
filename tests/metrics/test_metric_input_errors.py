"""Bad input raises a ValueError that names the problem; nothing is silently dropped."""

from __future__ import annotations

import pytest
import torch

from dalearn.metrics import (
    DomainGap,
    JointMaximumMeanDiscrepancy,
    MaximumMeanDiscrepancy,
    ProxyADistance,
    maximum_mean_discrepancy,
)

pytestmark = pytest.mark.filterwarnings("ignore:The ``compute`` method")

PAIR_METRICS = [MaximumMeanDiscrepancy, ProxyADistance]


@pytest.mark.parametrize("cls", PAIR_METRICS)
def test_feature_mismatch_between_domains(cls):
    with pytest.raises(ValueError, match="feature dimension mismatch.*target has 5 features"):
        cls().update(torch.randn(8, 4), torch.randn(8, 5))


@pytest.mark.parametrize("cls", PAIR_METRICS)
def test_feature_mismatch_between_updates(cls):
    metric = cls()
    metric.update(torch.randn(8, 4), torch.randn(8, 4))
    with pytest.raises(ValueError, match="feature dimension mismatch.*source has 6 features"):
        metric.update(torch.randn(8, 6), torch.randn(8, 6))


@pytest.mark.parametrize("cls", PAIR_METRICS)
def test_compute_before_update(cls):
    with pytest.raises(ValueError, match="before any update"):
        cls().compute()


@pytest.mark.parametrize("cls", PAIR_METRICS)
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_rows(cls, bad):
    metric = cls()
    target = torch.randn(8, 4)
    target[3, 1] = bad
    target[6, 0] = bad
    with pytest.raises(ValueError, match=r"target contains NaN or infinite values in 2 of 8 rows \(rows 3, 6\)"):
        metric.update(torch.randn(8, 4), target)
    assert metric.source == [] and metric.target == []


@pytest.mark.parametrize("shape", [(8,), (2, 3, 4), (8, 0)])
def test_wrong_rank_or_no_features(shape):
    with pytest.raises(ValueError, match="source"):
        MaximumMeanDiscrepancy().update(torch.randn(shape), torch.randn(8, 4))


def test_jmmd_layer_errors():
    metric = JointMaximumMeanDiscrepancy(num_layers=2)
    with pytest.raises(ValueError, match="sequence of num_layers=2 tensors, got 1 layers"):
        metric.update([torch.randn(8, 4)], [torch.randn(8, 4)])
    with pytest.raises(ValueError, match=r"source_features\[1\] has 7 rows"):
        metric.update([torch.randn(8, 4), torch.randn(7, 3)], [torch.randn(8, 4), torch.randn(8, 3)])
    with pytest.raises(ValueError, match=r"feature dimension mismatch: target_features\[1\] has 2 features"):
        metric.update([torch.randn(8, 4), torch.randn(8, 3)], [torch.randn(8, 4), torch.randn(8, 2)])
    metric.update([torch.randn(8, 4), torch.randn(8, 3)], [torch.randn(8, 4), torch.randn(8, 3)])
    with pytest.raises(ValueError, match=r"feature dimension mismatch: source_features\[0\] has 5 features"):
        metric.update([torch.randn(8, 5), torch.randn(8, 3)], [torch.randn(8, 5), torch.randn(8, 3)])
    with pytest.raises(ValueError, match="num_kernels has 3 entries for 2 layers"):
        JointMaximumMeanDiscrepancy(num_kernels=[1, 2, 3])


def test_mmd_argument_errors():
    with pytest.raises(ValueError, match="estimator must be one of"):
        MaximumMeanDiscrepancy(estimator="quadratic")
    with pytest.raises(ValueError, match="num_kernels must be a positive integer"):
        MaximumMeanDiscrepancy(num_kernels=0)
    with pytest.raises(ValueError, match="sigma_square must be positive|base bandwidth"):
        MaximumMeanDiscrepancy(sigma_square=-1.0)
    with pytest.raises(ValueError, match="at least 2 rows per domain"):
        maximum_mean_discrepancy(torch.randn(1, 3), torch.randn(5, 3), estimator="unbiased")


def test_zero_median_bandwidth_is_an_error_not_a_nan():
    s = torch.zeros(10, 3)
    with pytest.raises(ValueError, match="median pairwise squared distance .* is 0.*sigma_square"):
        maximum_mean_discrepancy(s, torch.zeros(10, 3))
    assert maximum_mean_discrepancy(s, torch.zeros(10, 3), sigma_square=1.0).item() == 0.0


def test_domain_gap_errors():
    gap = DomainGap()
    with pytest.raises(ValueError, match="before any update"):
        gap.compute()
    gap.update(torch.randn(8, 4))
    with pytest.raises(ValueError, match="feature dimension mismatch: x has 3 features"):
        gap.update(torch.randn(8, 3))
    bad = torch.randn(8, 4)
    bad[0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN or infinite values in 1 of 8 rows"):
        gap.update(bad)
    assert gap.count.item() == 8


def test_jmmd_compute_before_update_and_non_finite_rows():
    with pytest.raises(ValueError, match="before any update"):
        JointMaximumMeanDiscrepancy(num_layers=2).compute()
    metric = JointMaximumMeanDiscrepancy(num_layers=2)
    target = [torch.randn(8, 4), torch.randn(8, 3)]
    target[1][5, 2] = float("nan")
    with pytest.raises(
        ValueError, match=r"target_features\[1\] contains NaN or infinite values in 1 of 8 rows \(rows 5\)"
    ):
        metric.update([torch.randn(8, 4), torch.randn(8, 3)], target)
    with pytest.raises(ValueError, match="before any update"):
        metric.compute()


def test_domain_adversarial_accuracy_input_errors():
    from dalearn.metrics import DomainAdversarialAccuracy
    from dalearn.nn import DomainDiscriminator

    metric = DomainAdversarialAccuracy(DomainDiscriminator(in_feature=4, hidden_size=8))
    with pytest.raises(
        ValueError, match=r"needs at least one source and one target row; call update\(source, target\)"
    ):
        metric.compute()
    source = torch.randn(8, 4)
    source[2, 0] = float("inf")
    with pytest.raises(ValueError, match=r"source contains NaN or infinite values in 1 of 8 rows \(rows 2\)"):
        metric.update(source, torch.randn(8, 4))
    with pytest.raises(ValueError, match="feature dimension mismatch.*target has 5 features"):
        metric.update(torch.randn(8, 4), torch.randn(8, 5))
    with pytest.raises(ValueError, match="source_label must be 0 or 1"):
        DomainAdversarialAccuracy(DomainDiscriminator(in_feature=4, hidden_size=8), source_label=2)
