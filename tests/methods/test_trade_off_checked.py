"""A method refuses a loss weight that would train silently into nonsense — a negative, NaN or
infinite ``method.trade_off`` or regulariser weight — when it is built, naming the key."""

from __future__ import annotations

import math

import pytest

from dalearn.methods import DANN, MDD, SourceOnly
from dalearn.nn import build_backbone


@pytest.mark.parametrize("value", [-1.0, math.nan, math.inf, "1.0", True])
@pytest.mark.parametrize("method", [DANN, MDD, SourceOnly])
def test_a_bad_trade_off_is_refused_at_construction(method, value):
    with pytest.raises(ValueError, match=r"method.trade_off must be a number >= 0 and finite"):
        method(build_backbone("lenet"), 10, trade_off=value)


def test_zero_and_positive_weights_are_kept():
    assert DANN(build_backbone("lenet"), 10, trade_off=0).trade_off == 0.0
    assert DANN(build_backbone("lenet"), 10, trade_off=0.3).trade_off == pytest.approx(0.3)


def test_a_nan_regulariser_weight_is_refused():
    with pytest.raises(ValueError, match=r"MinimumClassConfusion regulariser's weight must be a number >= 0"):
        DANN(build_backbone("lenet"), 10, regularizers={"mcc": {"weight": math.nan}})
