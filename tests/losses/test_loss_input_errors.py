"""Bad input raises a ValueError that names the offending shapes or argument."""

from __future__ import annotations

import re

import pytest
import torch

from dalearn.losses import (
    ConditionalDomainAdversarialLoss,
    DomainAdversarialLoss,
    JointMultipleKernelMaximumMeanDiscrepancy,
    MarginDisparityDiscrepancy,
    MultipleKernelMaximumMeanDiscrepancy,
    classifier_discrepancy,
    entropy,
)
from dalearn.nn import DomainDiscriminator, GaussianKernel


def z(*shape: int) -> torch.Tensor:
    return torch.randn(*shape)


def jmmd(linear: bool) -> JointMultipleKernelMaximumMeanDiscrepancy:
    return JointMultipleKernelMaximumMeanDiscrepancy(([GaussianKernel()], [GaussianKernel()]), linear=linear)


def dann(**kwargs) -> DomainAdversarialLoss:
    return DomainAdversarialLoss(DomainDiscriminator(4, 8), **kwargs)


BAD_CALLS = {
    "mmd feature dims": (
        lambda: MultipleKernelMaximumMeanDiscrepancy()(z(8, 4), z(8, 5)),
        "same feature dimension, got (8, 4) and (8, 5)",
    ),
    "linear mmd batch sizes": (
        lambda: MultipleKernelMaximumMeanDiscrepancy(linear=True)(z(8, 4), z(6, 4)),
        "same batch size for this estimator, got (8, 4) and (6, 4)",
    ),
    "mmd rank": (lambda: MultipleKernelMaximumMeanDiscrepancy()(z(8), z(8)), "shape (N, F), got (8,)"),
    "mmd empty": (lambda: MultipleKernelMaximumMeanDiscrepancy()(z(0, 4), z(8, 4)), "empty batch, shape (0, 4)"),
    "unbiased mmd single sample": (
        lambda: MultipleKernelMaximumMeanDiscrepancy()(z(1, 4), z(5, 4)),
        "at least 2 samples per domain, got 1 and 5",
    ),
    "reference mmd batch sizes": (
        lambda: MultipleKernelMaximumMeanDiscrepancy(estimator="reference")(z(4, 4), z(5, 4)),
        "needs equal batch sizes, got 4 and 5",
    ),
    "linear jmmd batch sizes": (
        lambda: jmmd(linear=True)((z(8, 4), z(8, 3)), (z(7, 4), z(7, 3))),
        "same batch size for this estimator, got (8, 4) and (7, 4)",
    ),
    "jmmd layer batch sizes": (
        lambda: jmmd(linear=False)((z(8, 4), z(6, 3)), (z(8, 4), z(6, 3))),
        "layer 0 has (8, 8), layer 1 has (6, 6)",
    ),
    "jmmd layer count": (lambda: jmmd(linear=False)((z(8, 4),), (z(8, 4),)), "expected 2 layers"),
    "jmmd feature dims": (
        lambda: jmmd(linear=False)((z(8, 4), z(8, 3)), (z(8, 4), z(8, 2))),
        "z_s[1] and z_t[1] must have the same feature dimension, got (8, 3) and (8, 2)",
    ),
    "mcd discrepancy batch sizes": (
        lambda: classifier_discrepancy(z(8, 3), z(7, 3)),
        "same batch size for this estimator, got (8, 3) and (7, 3)",
    ),
    "mcd discrepancy classes": (lambda: classifier_discrepancy(z(8, 3), z(8, 4)), "got (8, 3) and (8, 4)"),
    "mcd entropy rank": (lambda: entropy(z(2, 3, 4)), "shape (N, F), got (2, 3, 4)"),
    "mcd entropy empty": (lambda: entropy(z(0, 3)), "empty batch, shape (0, 3)"),
    "mdd head pair": (
        lambda: MarginDisparityDiscrepancy()(z(8, 5), z(7, 5), z(8, 5), z(8, 5)),
        "y_s and y_s_adv must have the same batch size for this estimator, got (8, 5) and (7, 5)",
    ),
    "mdd classes": (
        lambda: MarginDisparityDiscrepancy()(z(8, 5), z(8, 5), z(8, 4), z(8, 4)),
        "y_s and y_t must have the same feature dimension, got (8, 5) and (8, 4)",
    ),
    "mdd weights": (
        lambda: MarginDisparityDiscrepancy()(z(4, 5), z(4, 5), z(4, 5), z(4, 5), w_s=torch.ones(3)),
        "w_s must hold one weight per sample, shape (4,), got (3,)",
    ),
    "dann feature dims": (lambda: dann()(z(8, 4), z(8, 3)), "same feature dimension, got (8, 4) and (8, 3)"),
    "dann rank": (lambda: dann()(z(8, 4, 1), z(8, 4, 1)), "shape (N, F), got (8, 4, 1)"),
    "dann empty": (lambda: dann()(z(8, 4), z(0, 4)), "empty batch, shape (0, 4)"),
    "dann weights": (lambda: dann()(z(4, 4), z(4, 4), w_t=torch.ones(4, 2)), "w_t must hold one weight per sample"),
    "dann two-logit output": (lambda: dann(sigmoid=False)(z(4, 4), z(4, 4)), "shape (N, 2), got (8, 1)"),
    "dann reduction": (lambda: dann(reduction="avg"), "reduction must be one of"),
    "cdan batch pairing": (
        lambda: ConditionalDomainAdversarialLoss(DomainDiscriminator(12, 8))(z(8, 3), z(7, 4), z(8, 3), z(8, 4)),
        "g_s (8, 3), f_s (7, 4)",
    ),
    "cdan classes": (
        lambda: ConditionalDomainAdversarialLoss(DomainDiscriminator(12, 8))(z(8, 3), z(8, 4), z(8, 2), z(8, 4)),
        "g_s (8, 3) vs g_t (8, 2)",
    ),
    "cdan randomized sizes": (
        lambda: ConditionalDomainAdversarialLoss(DomainDiscriminator(12, 8), randomized=True),
        "needs positive num_classes, features_dim and randomized_dim, got -1, -1, 1024",
    ),
    "mmd estimator name": (
        lambda: MultipleKernelMaximumMeanDiscrepancy(linear=True, estimator="biased"),
        "estimator must be one of ('unbiased', 'reference') for the linear MMD, got 'biased'",
    ),
    "mmd quadratic program": (
        lambda: MultipleKernelMaximumMeanDiscrepancy(quadratic_program=True),
        "quadratic_program=True (QP kernel weights) is not supported",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CALLS))
def test_bad_input_raises_a_value_error_naming_the_problem(case):
    call, message = BAD_CALLS[case]
    with pytest.raises(ValueError, match=re.escape(message)):
        call()
