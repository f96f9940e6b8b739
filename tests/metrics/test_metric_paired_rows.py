"""PairedRowsMetric: the one storage/update/compute guard of MMD, JMMD and ProxyADistance."""

from __future__ import annotations

import pytest
import torch

from dalearn.metrics import JointMaximumMeanDiscrepancy, MaximumMeanDiscrepancy, ProxyADistance
from dalearn.metrics._paired_rows import PairedRowsMetric

pytestmark = pytest.mark.filterwarnings("ignore:The ``compute`` method")
JOINT_STATES = ["source_0", "source_1", "source_2", "target_0", "target_1", "target_2"]


@pytest.mark.parametrize(
    "metric,states",
    [
        (MaximumMeanDiscrepancy(), ["source", "target"]),
        (ProxyADistance(), ["source", "target"]),
        (JointMaximumMeanDiscrepancy(num_layers=3), JOINT_STATES),
    ],
)
def test_metrics_share_the_base_and_keep_their_state_names(metric, states):
    assert isinstance(metric, PairedRowsMetric)
    assert sorted(metric._defaults) == states
    assert all(metric._reductions[name].__name__ == "dim_zero_cat" for name in states)


def test_a_batch_refused_in_any_layer_stores_nothing_in_any_layer():
    metric = JointMaximumMeanDiscrepancy(num_layers=2)
    good = [torch.randn(6, 4), torch.randn(6, 3)]
    metric.update(good, good)
    with pytest.raises(ValueError, match=r"target_features\[1\] has 5 rows"):
        metric.update(good, [torch.randn(6, 4), torch.randn(5, 3)])
    assert [len(getattr(metric, f"{d}_{layer}")) for d in ("source", "target") for layer in (0, 1)] == [1, 1, 1, 1]


def test_compute_names_the_class_and_its_update_signature():
    expected = r"MaximumMeanDiscrepancy.compute\(\) called before any update.*update\(source, target\)"
    with pytest.raises(ValueError, match=expected):
        MaximumMeanDiscrepancy().compute()
    with pytest.raises(ValueError, match=r"update\(source_features, target_features\) first"):
        JointMaximumMeanDiscrepancy().compute()
    metric = ProxyADistance()
    metric.update(torch.randn(0, 4), torch.randn(5, 4))
    with pytest.raises(ValueError, match=r"ProxyADistance.compute\(\) called before any update with source and target"):
        metric.compute()


def test_num_layers_must_be_positive():
    with pytest.raises(ValueError, match="num_layers must be a positive integer, got 0"):
        JointMaximumMeanDiscrepancy(num_layers=0)
