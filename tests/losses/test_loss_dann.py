"""DomainAdversarialLoss against a NumPy BCE on the logits of a linear discriminator."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from numpy_reference import bce_with_logits, linear_layer, log_softmax
from torch import nn

from dalearn.losses import DomainAdversarialLoss
from dalearn.nn import GradientReverseLayer


def setup(n_s: int = 5, n_t: int = 7, outputs: int = 1, seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    disc = nn.Linear(3, outputs).double()
    with torch.no_grad():
        disc.weight.copy_(torch.randn(outputs, 3, dtype=torch.float64, generator=gen))
        disc.bias.copy_(torch.randn(outputs, dtype=torch.float64, generator=gen))
    f_s = torch.randn(n_s, 3, dtype=torch.float64, generator=gen)
    f_t = torch.randn(n_t, 3, dtype=torch.float64, generator=gen) + 0.5
    return disc, f_s, f_t


def test_mean_value_with_unequal_batches_averages_each_domain_then_halves():
    disc, f_s, f_t = setup()
    value = DomainAdversarialLoss(disc)(f_s, f_t)
    z_s, z_t = linear_layer(f_s.numpy(), disc)[:, 0], linear_layer(f_t.numpy(), disc)[:, 0]
    expected = 0.5 * (bce_with_logits(z_s, 1.0).mean() + bce_with_logits(z_t, 0.0).mean())
    assert value.item() == pytest.approx(expected, rel=1e-10)


def test_sample_weights_and_the_three_reductions():
    disc, f_s, f_t = setup()
    gen = torch.Generator().manual_seed(9)
    w_s, w_t = torch.rand(5, dtype=torch.float64, generator=gen), torch.rand(7, dtype=torch.float64, generator=gen)
    z_s, z_t = linear_layer(f_s.numpy(), disc)[:, 0], linear_layer(f_t.numpy(), disc)[:, 0]
    terms_s = 0.5 * w_s.numpy() * bce_with_logits(z_s, 1.0)
    terms_t = 0.5 * w_t.numpy() * bce_with_logits(z_t, 0.0)
    mean = DomainAdversarialLoss(disc)(f_s, f_t, w_s, w_t)
    assert mean.item() == pytest.approx(terms_s.mean() + terms_t.mean(), rel=1e-10)
    total = DomainAdversarialLoss(disc, reduction="sum")(f_s, f_t, w_s, w_t)
    assert total.item() == pytest.approx(terms_s.sum() + terms_t.sum(), rel=1e-10)
    per_sample = DomainAdversarialLoss(disc, reduction="none")(f_s, f_t, w_s, w_t)
    np.testing.assert_allclose(per_sample.detach().numpy(), np.concatenate([terms_s, terms_t]), rtol=1e-10)


def test_accuracy_attribute_counts_logit_signs_per_domain():
    disc, f_s, f_t = setup(n_s=6, n_t=8, seed=4)
    loss = DomainAdversarialLoss(disc)
    loss(f_s, f_t)
    z_s, z_t = linear_layer(f_s.numpy(), disc)[:, 0], linear_layer(f_t.numpy(), disc)[:, 0]
    expected = 0.5 * ((z_s >= 0).mean() + (z_t < 0).mean())
    assert 0.0 < expected < 1.0
    assert loss.domain_discriminator_accuracy.item() == pytest.approx(expected, abs=1e-6)


def test_feature_gradient_is_the_reversed_discriminator_gradient():
    disc, f_s, f_t = setup()
    f_s.requires_grad_(True)
    DomainAdversarialLoss(disc, grl=GradientReverseLayer(coeff=0.7))(f_s, f_t).backward()
    z_s = linear_layer(f_s.detach().numpy(), disc)[:, 0]
    sigmoid = 1.0 / (1.0 + np.exp(-z_s))
    d_loss_d_f = 0.5 / 5 * (sigmoid - 1.0)[:, None] * disc.weight.detach().numpy()
    np.testing.assert_allclose(f_s.grad.numpy(), -0.7 * d_loss_d_f, rtol=1e-10)


def test_two_logit_mode_is_weighted_softmax_cross_entropy_over_both_domains():
    disc, f_s, f_t = setup(outputs=2)
    w_s, w_t = torch.linspace(0.5, 1.5, 5, dtype=torch.float64), torch.linspace(1.0, 2.0, 7, dtype=torch.float64)
    loss = DomainAdversarialLoss(disc, sigmoid=False)
    value = loss(f_s, f_t, w_s, w_t)
    logp = log_softmax(linear_layer(np.concatenate([f_s.numpy(), f_t.numpy()]), disc))
    labels = np.array([1] * 5 + [0] * 7)
    ce = -logp[np.arange(12), labels]
    assert value.item() == pytest.approx(np.mean(ce * np.concatenate([w_s.numpy(), w_t.numpy()])), rel=1e-10)
    accuracy = np.mean(logp.argmax(axis=1) == labels)
    assert loss.domain_discriminator_accuracy.item() == pytest.approx(accuracy, abs=1e-6)


def test_probability_mode_equals_logit_mode_with_a_sigmoid_discriminator():
    disc, f_s, f_t = setup()
    with_logits = DomainAdversarialLoss(disc)
    with_probs = DomainAdversarialLoss(nn.Sequential(disc, nn.Sigmoid()), logits=False)
    assert with_probs(f_s, f_t).item() == pytest.approx(with_logits(f_s, f_t).item(), rel=1e-10)
    assert with_probs.domain_discriminator_accuracy == with_logits.domain_discriminator_accuracy


def test_default_warm_start_steps_once_per_training_call_and_is_saved():
    disc, f_s, f_t = setup()
    loss = DomainAdversarialLoss(disc)
    for _ in range(3):
        loss(f_s, f_t)
    loss.eval()
    loss(f_s, f_t)
    restored = DomainAdversarialLoss(setup()[0])
    restored.load_state_dict(loss.state_dict())
    assert restored.grl.iter_num == 3
