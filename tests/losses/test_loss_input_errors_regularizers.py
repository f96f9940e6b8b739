"""Bad input to the regularisers (MCC, BSP, AFN, BNM, IM, self-training) raises a ValueError
that names the argument and the offending value or shape."""

from __future__ import annotations

import re

import pytest
import torch

from dalearn.losses import (
    AdaptiveFeatureNorm,
    BatchNuclearNormMaximization,
    BatchSpectralPenalizationLoss,
    ConfidenceBasedSelfTrainingLoss,
    InformationMaximizationLoss,
    MinimumClassConfusionLoss,
)


def z(*shape: int) -> torch.Tensor:
    return torch.randn(*shape)


def with_nan(*shape: int) -> torch.Tensor:
    x = torch.randn(*shape)
    x[0, 0] = float("nan")
    return x


def with_inf(*shape: int) -> torch.Tensor:
    x = torch.randn(*shape)
    x[-1, -1] = float("inf")
    return x


BAD_CALLS = {
    "mcc temperature zero": (
        lambda: MinimumClassConfusionLoss(temperature=0.0),
        "temperature must be a finite number > 0, got 0.0",
    ),
    "mcc temperature negative": (
        lambda: MinimumClassConfusionLoss(-2.5),
        "temperature must be a finite number > 0, got -2.5",
    ),
    "mcc temperature nan": (
        lambda: MinimumClassConfusionLoss(float("nan")),
        "temperature must be a finite number > 0, got nan",
    ),
    "mcc temperature string": (
        lambda: MinimumClassConfusionLoss("2.5"),
        "temperature must be a finite number > 0, got '2.5'",
    ),
    "mcc logits rank": (lambda: MinimumClassConfusionLoss(2.5)(z(8)), "logits must have shape (B, C), got (8,)"),
    "mcc logits empty": (lambda: MinimumClassConfusionLoss(2.5)(z(0, 3)), "logits is an empty batch, shape (0, 3)"),
    "mcc logits nan": (
        lambda: MinimumClassConfusionLoss(2.5)(with_nan(4, 3)),
        "logits contains 1 NaN or infinite value(s) out of 12",
    ),
    "bsp k zero": (
        lambda: BatchSpectralPenalizationLoss(k=0),
        "k must be a positive integer (number of singular values), got 0",
    ),
    "bsp k float": (
        lambda: BatchSpectralPenalizationLoss(k=1.5),
        "k must be a positive integer (number of singular values), got 1.5",
    ),
    "bsp k too large": (
        lambda: BatchSpectralPenalizationLoss(k=4)(z(8, 5), z(3, 5)),
        "k=4 exceeds the number of singular values of f_t, min(3, 5) = 3",
    ),
    "bsp feature dims": (
        lambda: BatchSpectralPenalizationLoss()(z(8, 5), z(8, 4)),
        "f_s and f_t must have the same feature dimension, got (8, 5) and (8, 4)",
    ),
    "bsp rank": (
        lambda: BatchSpectralPenalizationLoss()(z(8, 5, 2), z(8, 5)),
        "f_s must have shape (N, F), got (8, 5, 2)",
    ),
    "bsp nan": (
        lambda: BatchSpectralPenalizationLoss()(z(8, 5), with_nan(8, 5)),
        "f_t contains 1 NaN or infinite value(s) out of 40",
    ),
    "bsp inf": (
        lambda: BatchSpectralPenalizationLoss()(with_inf(8, 5), z(8, 5)),
        "f_s contains 1 NaN or infinite value(s)",
    ),
    "afn delta zero": (lambda: AdaptiveFeatureNorm(delta=0), "delta must be a finite number > 0, got 0"),
    "afn delta negative": (lambda: AdaptiveFeatureNorm(delta=-1.0), "delta must be a finite number > 0, got -1.0"),
    "afn delta inf": (lambda: AdaptiveFeatureNorm(delta=float("inf")), "delta must be a finite number > 0, got inf"),
    "afn rank": (lambda: AdaptiveFeatureNorm(1.0)(z(4, 3, 2)), "f must have shape (N, F), got (4, 3, 2)"),
    "afn integer features": (
        lambda: AdaptiveFeatureNorm(1.0)(torch.ones(4, 3, dtype=torch.long)),
        "f must be a floating-point tensor, got dtype torch.int64",
    ),
    "afn nan": (lambda: AdaptiveFeatureNorm(1.0)(with_nan(4, 3)), "f contains 1 NaN or infinite value(s) out of 12"),
    "bnm normalization": (
        lambda: BatchNuclearNormMaximization(normalization="mean"),
        "normalization must be one of ('batch', 'reference'), got 'mean'",
    ),
    "bnm rank": (lambda: BatchNuclearNormMaximization()(z(6)), "logits must have shape (B, C), got (6,)"),
    "bnm nan": (
        lambda: BatchNuclearNormMaximization()(with_nan(6, 3)),
        "logits contains 1 NaN or infinite value(s) out of 18",
    ),
    "im epsilon": (
        lambda: InformationMaximizationLoss(epsilon=-1e-5),
        "epsilon must be a number in [0, 1), got -1e-05",
    ),
    "im rank": (lambda: InformationMaximizationLoss()(z(2, 3, 4)), "logits must have shape (N, C), got (2, 3, 4)"),
    "im empty": (lambda: InformationMaximizationLoss()(z(0, 4)), "logits is an empty batch, shape (0, 4)"),
    "im nan": (
        lambda: InformationMaximizationLoss()(with_nan(5, 4)),
        "logits contains 1 NaN or infinite value(s) out of 20",
    ),
    "im weights shape": (
        lambda: InformationMaximizationLoss()(z(5, 4), torch.ones(4)),
        "weights must hold one weight per sample, shape (5,), got (4,)",
    ),
    "im weights negative": (
        lambda: InformationMaximizationLoss()(z(3, 4), torch.tensor([1.0, -1.0, 1.0])),
        "weights must be non-negative with a positive sum, got min -1 and sum 1",
    ),
    "im weights all zero": (
        lambda: InformationMaximizationLoss()(z(3, 4), torch.zeros(3)),
        "weights must be non-negative with a positive sum, got min 0 and sum 0",
    ),
    "im weights nan": (
        lambda: InformationMaximizationLoss()(z(3, 4), torch.tensor([1.0, float("nan"), 1.0])),
        "weights contains 1 NaN or infinite value(s) out of 3",
    ),
    "self-training threshold zero": (
        lambda: ConfidenceBasedSelfTrainingLoss(threshold=0.0),
        "threshold must be a number in (0, 1], got 0.0",
    ),
    "self-training threshold above one": (
        lambda: ConfidenceBasedSelfTrainingLoss(threshold=1.5),
        "threshold must be a number in (0, 1], got 1.5",
    ),
    "self-training threshold nan": (
        lambda: ConfidenceBasedSelfTrainingLoss(threshold=float("nan")),
        "threshold must be a number in (0, 1], got nan",
    ),
    "self-training batch sizes": (
        lambda: ConfidenceBasedSelfTrainingLoss(0.9)(z(8, 4), z(7, 4)),
        "y and y_target must have the same batch size for this estimator, got (8, 4) and (7, 4)",
    ),
    "self-training classes": (
        lambda: ConfidenceBasedSelfTrainingLoss(0.9)(z(8, 4), z(8, 5)),
        "y and y_target must have the same feature dimension, got (8, 4) and (8, 5)",
    ),
    "self-training nan target": (
        lambda: ConfidenceBasedSelfTrainingLoss(0.9)(z(8, 4), with_nan(8, 4)),
        "y_target contains 1 NaN or infinite value(s) out of 32",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CALLS))
def test_bad_input_raises_a_value_error_naming_the_argument(case):
    call, message = BAD_CALLS[case]
    with pytest.raises(ValueError, match=re.escape(message)):
        call()
