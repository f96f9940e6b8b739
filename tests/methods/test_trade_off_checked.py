"""A method refuses a loss weight that would train silently into nonsense — a negative, NaN or
infinite ``method.trade_off`` or regulariser weight — when it is built, naming the key."""

from __future__ import annotations

import math

import pytest

from dalearn.methods import DANN, MDD, SourceOnly
from dalearn.nn import ImageClassifier, MDDClassifier, build_backbone


def network(method=DANN):
    """The network a method of ``method``'s kind is built on (tiny)."""
    backbone = build_backbone("lenet")
    if method is MDD:
        return MDDClassifier(backbone, 10, bottleneck_dim=16, width=16)
    return ImageClassifier(backbone, 10, bottleneck_dim=16)


@pytest.mark.parametrize("value", [-1.0, math.nan, math.inf, "1.0", True])
@pytest.mark.parametrize("method", [DANN, MDD, SourceOnly])
def test_a_bad_trade_off_is_refused_at_construction(method, value):
    with pytest.raises(ValueError, match=r"method.trade_off must be a number >= 0 and finite"):
        method(network(method), trade_off=value)


def test_zero_and_positive_weights_are_kept():
    assert DANN(network(), trade_off=0).trade_off == 0.0
    assert DANN(network(), trade_off=0.3).trade_off == pytest.approx(0.3)


def test_a_nan_regulariser_weight_is_refused():
    with pytest.raises(ValueError, match=r"MinimumClassConfusion regulariser's weight must be a number >= 0"):
        DANN(network(), regularizers={"mcc": {"weight": math.nan}})
