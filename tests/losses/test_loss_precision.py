"""Every loss in float32, float64 and under CPU bfloat16 autocast: finite, consistent across
precisions, and differentiable."""

from __future__ import annotations

import copy

import pytest
import torch

from dalearn.losses import (
    AdaptiveFeatureNorm,
    BatchNuclearNormMaximization,
    BatchSpectralPenalizationLoss,
    ConditionalDomainAdversarialLoss,
    ConfidenceBasedSelfTrainingLoss,
    DomainAdversarialLoss,
    InformationMaximizationLoss,
    JointMultipleKernelMaximumMeanDiscrepancy,
    MarginDisparityDiscrepancy,
    MinimumClassConfusionLoss,
    MultipleKernelMaximumMeanDiscrepancy,
    classifier_discrepancy,
    entropy,
)
from dalearn.nn import DomainDiscriminator, GaussianKernel, GradientReverseLayer

N, F, C = 8, 8, 4


def jan_kernels():
    return (
        [GaussianKernel(alpha=2.0**k) for k in range(-3, 2)],
        [GaussianKernel(sigma=0.92, track_running_stats=False)],
    )


CASES = {
    "dann": (
        lambda: DomainAdversarialLoss(DomainDiscriminator(F, 16), grl=GradientReverseLayer()),
        lambda m, f_s, f_t, y_s, y_t: m(f_s, f_t),
    ),
    "mkmmd": (
        lambda: MultipleKernelMaximumMeanDiscrepancy(),
        lambda m, f_s, f_t, y_s, y_t: m(f_s, f_t),
    ),
    "mkmmd_linear": (
        lambda: MultipleKernelMaximumMeanDiscrepancy(linear=True),
        lambda m, f_s, f_t, y_s, y_t: m(f_s, f_t),
    ),
    "jmmd": (
        lambda: JointMultipleKernelMaximumMeanDiscrepancy(jan_kernels(), linear=False),
        lambda m, f_s, f_t, y_s, y_t: m((f_s, y_s.softmax(1)), (f_t, y_t.softmax(1))),
    ),
    "cdan_e": (
        lambda: ConditionalDomainAdversarialLoss(
            DomainDiscriminator(C * F, 16), entropy_conditioning=True, grl=GradientReverseLayer()
        ),
        lambda m, f_s, f_t, y_s, y_t: m(y_s, f_s, y_t, f_t),
    ),
    "cdan_randomized": (
        lambda: ConditionalDomainAdversarialLoss(
            DomainDiscriminator(32, 16),
            randomized=True,
            num_classes=C,
            features_dim=F,
            randomized_dim=32,
            grl=GradientReverseLayer(),
        ),
        lambda m, f_s, f_t, y_s, y_t: m(y_s, f_s, y_t, f_t),
    ),
    "mcd": (
        lambda: torch.nn.Identity(),
        lambda m, f_s, f_t, y_s, y_t: classifier_discrepancy(y_s.softmax(1), y_t.softmax(1)) + entropy(y_t.softmax(1)),
    ),
    "mdd": (
        lambda: MarginDisparityDiscrepancy(),
        lambda m, f_s, f_t, y_s, y_t: m(y_s.detach(), y_s, y_t.detach(), y_t),
    ),
    "mcc": (lambda: MinimumClassConfusionLoss(temperature=2.5), lambda m, f_s, f_t, y_s, y_t: m(y_t)),
    "bsp": (lambda: BatchSpectralPenalizationLoss(), lambda m, f_s, f_t, y_s, y_t: m(f_s, f_t)),
    "afn": (lambda: AdaptiveFeatureNorm(delta=1.0), lambda m, f_s, f_t, y_s, y_t: m(f_s) + m(f_t)),
    "bnm": (lambda: BatchNuclearNormMaximization(), lambda m, f_s, f_t, y_s, y_t: m(y_t)),
    "im": (lambda: InformationMaximizationLoss(), lambda m, f_s, f_t, y_s, y_t: m(y_t)),
    "self_training": (
        lambda: ConfidenceBasedSelfTrainingLoss(threshold=0.5),
        lambda m, f_s, f_t, y_s, y_t: m(y_t, 4.0 * y_s)[0],
    ),
}


def inputs(dtype: torch.dtype) -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(5)
    shapes_and_shifts = [((N, F), 0.0), ((N, F), 0.7), ((N, C), 0.0), ((N, C), 0.3)]
    return [
        (torch.randn(*shape, dtype=torch.float64, generator=gen) + shift).to(dtype).requires_grad_(True)
        for shape, shift in shapes_and_shifts
    ]


def evaluate(name: str, module: torch.nn.Module, dtype: torch.dtype, autocast: bool):
    call = CASES[name][1]
    xs = inputs(dtype)
    module = copy.deepcopy(module).to(dtype)
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
        value = call(module, *xs)
    value.backward()
    grads = [x.grad for x in xs if x.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)
    assert any(g.abs().max() > 0 for g in grads)
    assert torch.isfinite(value)
    return value.item()


@pytest.mark.parametrize("name", sorted(CASES))
def test_loss_agrees_across_precisions_and_backpropagates(name):
    module = CASES[name][0]()
    fp64 = evaluate(name, module, torch.float64, autocast=False)
    fp32 = evaluate(name, module, torch.float32, autocast=False)
    bf16 = evaluate(name, module, torch.float32, autocast=True)
    assert fp32 == pytest.approx(fp64, rel=1e-4, abs=1e-5)
    assert bf16 == pytest.approx(fp32, rel=0.02, abs=0.01)
