"""ConditionalDomainAdversarialLoss against NumPy: multilinear and randomized maps, +E weights."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from numpy_reference import bce_with_logits, linear_layer, softmax
from torch import nn

from dalearn.losses import ConditionalDomainAdversarialLoss, prediction_entropy

C, F = 3, 4


def cdan_inputs(n_s: int = 5, n_t: int = 6, seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    g_s = torch.randn(n_s, C, dtype=torch.float64, generator=gen) * 2.0
    f_s = torch.randn(n_s, F, dtype=torch.float64, generator=gen)
    g_t = torch.randn(n_t, C, dtype=torch.float64, generator=gen) * 2.0
    f_t = torch.randn(n_t, F, dtype=torch.float64, generator=gen) + 0.5
    return g_s, f_s, g_t, f_t


def linear_discriminator(in_features: int, seed: int = 1) -> nn.Linear:
    gen = torch.Generator().manual_seed(seed)
    disc = nn.Linear(in_features, 1).double()
    with torch.no_grad():
        disc.weight.copy_(torch.randn(1, in_features, dtype=torch.float64, generator=gen))
        disc.bias.fill_(0.1)
    return disc


def numpy_outer_map(f: np.ndarray, p: np.ndarray) -> np.ndarray:
    out = np.zeros((f.shape[0], C * F))
    for i in range(f.shape[0]):
        for c in range(C):
            for j in range(F):
                out[i, c * F + j] = p[i, c] * f[i, j]
    return out


def numpy_cdan(g_s, f_s, g_t, f_t, disc, entropy: bool, mapping=numpy_outer_map) -> float:
    p = softmax(np.concatenate([g_s.numpy(), g_t.numpy()]))
    f = np.concatenate([f_s.numpy(), f_t.numpy()])
    z = linear_layer(mapping(f, p), disc)[:, 0]
    n_s = g_s.shape[0]
    bce = np.concatenate([bce_with_logits(z[:n_s], 1.0), bce_with_logits(z[n_s:], 0.0)])
    if not entropy:
        return bce.mean()
    h = -np.sum(p * np.log(p + 1e-5), axis=1)
    w = 1.0 + np.exp(-h)
    w = w / w.sum() * len(w)
    return np.mean(w * bce)


@pytest.mark.parametrize("entropy", [False, True])
def test_multilinear_loss_against_numpy(entropy):
    g_s, f_s, g_t, f_t = cdan_inputs()
    disc = linear_discriminator(C * F)
    value = ConditionalDomainAdversarialLoss(disc, entropy_conditioning=entropy)(g_s, f_s, g_t, f_t)
    assert value.item() == pytest.approx(numpy_cdan(g_s, f_s, g_t, f_t, disc, entropy), rel=1e-10)


@pytest.mark.parametrize("entropy", [False, True])
def test_randomized_loss_against_numpy(entropy):
    g_s, f_s, g_t, f_t = cdan_inputs(seed=2)
    disc = linear_discriminator(32)
    loss = ConditionalDomainAdversarialLoss(
        disc, entropy_conditioning=entropy, randomized=True, num_classes=C, features_dim=F, randomized_dim=32
    ).double()
    rf, rg = loss.map.Rf.numpy(), loss.map.Rg.numpy()

    def randomized(f, p):
        return (f @ rf) * (p @ rg) / math.sqrt(32)

    expected = numpy_cdan(g_s, f_s, g_t, f_t, disc, entropy, mapping=randomized)
    assert loss(g_s, f_s, g_t, f_t).item() == pytest.approx(expected, rel=1e-10)


def test_entropy_uses_the_1e5_offset():
    p = torch.tensor([[1.0, 0.0], [0.25, 0.75]], dtype=torch.float64)
    expected = [-np.log(1.0 + 1e-5), -(0.25 * np.log(0.25 + 1e-5) + 0.75 * np.log(0.75 + 1e-5))]
    np.testing.assert_allclose(prediction_entropy(p).numpy(), expected, rtol=1e-12)


def test_sum_and_none_reductions_and_accuracy():
    g_s, f_s, g_t, f_t = cdan_inputs(seed=3)
    disc = linear_discriminator(C * F, seed=4)
    mean = numpy_cdan(g_s, f_s, g_t, f_t, disc, entropy=False)
    assert ConditionalDomainAdversarialLoss(disc, reduction="sum")(g_s, f_s, g_t, f_t).item() == pytest.approx(
        11 * mean, rel=1e-10
    )
    loss = ConditionalDomainAdversarialLoss(disc, reduction="none")
    assert loss(g_s, f_s, g_t, f_t).shape == (11,)
    p = softmax(np.concatenate([g_s.numpy(), g_t.numpy()]))
    z = linear_layer(numpy_outer_map(np.concatenate([f_s.numpy(), f_t.numpy()]), p), disc)[:, 0]
    accuracy = 0.5 * ((z[:5] >= 0).mean() + (z[5:] < 0).mean())
    assert loss.domain_discriminator_accuracy.item() == pytest.approx(accuracy, abs=1e-6)


def test_no_gradient_reaches_the_predictions():
    g_s, f_s, g_t, f_t = cdan_inputs(seed=5)
    for x in (g_s, f_s):
        x.requires_grad_(True)
    loss = ConditionalDomainAdversarialLoss(linear_discriminator(C * F), grl=nn.Identity())
    loss(g_s, f_s, g_t, f_t).backward()
    assert g_s.grad is None
    assert f_s.grad.abs().max() > 0


def test_randomized_map_is_part_of_the_state_dict():
    kwargs = dict(randomized=True, num_classes=C, features_dim=F, randomized_dim=16)
    saved = ConditionalDomainAdversarialLoss(linear_discriminator(16), **kwargs).double()
    fresh = ConditionalDomainAdversarialLoss(linear_discriminator(16, seed=9), **kwargs).double()
    assert not torch.equal(saved.map.Rf, fresh.map.Rf)
    fresh.load_state_dict(saved.state_dict())
    g_s, f_s, g_t, f_t = cdan_inputs(seed=6)
    assert torch.equal(saved(g_s, f_s, g_t, f_t), fresh(g_s, f_s, g_t, f_t))
