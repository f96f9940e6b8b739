"""InformationMaximizationLoss (SHOT's IM) against a NumPy loop derivation."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from numpy_reference import information_maximization

from dalearn.losses import InformationMaximizationLoss


def logits(n: int, c: int, seed: int) -> torch.Tensor:
    return torch.randn(n, c, dtype=torch.float64, generator=torch.Generator().manual_seed(seed)) * 2.0


@pytest.mark.parametrize("epsilon", [1e-5, 0.0])
@pytest.mark.parametrize("n,c", [(8, 4), (3, 9)])
def test_value_matches_numpy(n, c, epsilon):
    y = logits(n, c, seed=n * c)
    expected = information_maximization(y.numpy(), np.ones(n), epsilon)
    assert InformationMaximizationLoss(epsilon=epsilon)(y).item() == pytest.approx(expected, rel=1e-6)


def test_weighted_value_matches_numpy():
    y = logits(6, 5, seed=1)
    w = torch.tensor([0.5, 2.0, 0.0, 1.0, 3.0, 0.25], dtype=torch.float64)
    expected = information_maximization(y.numpy(), w.numpy(), 1e-5)
    assert InformationMaximizationLoss()(y, w).item() == pytest.approx(expected, rel=1e-6)


def test_zero_weight_drops_a_sample_and_uniform_weights_change_nothing():
    y = logits(5, 3, seed=2)
    im = InformationMaximizationLoss()
    dropped = im(y, torch.tensor([1.0, 1.0, 1.0, 1.0, 0.0], dtype=torch.float64))
    assert dropped.item() == pytest.approx(im(y[:4]).item(), rel=1e-12)
    assert im(y, torch.full((5, 1), 7.0, dtype=torch.float64)).item() == pytest.approx(im(y).item(), rel=1e-12)


def test_matches_shot_formula():
    y = logits(7, 4, seed=3)
    p = torch.softmax(y, dim=1)
    entropy = torch.mean(-(p * torch.log(p + 1e-5)).sum(dim=1))
    mean_p = p.mean(dim=0)
    shot = entropy - torch.sum(-mean_p * torch.log(mean_p + 1e-5))
    assert InformationMaximizationLoss()(y).item() == pytest.approx(shot.item(), rel=1e-12)


def test_bounds_collapsed_is_zero_and_confident_diverse_is_minus_log_c():
    im = InformationMaximizationLoss(epsilon=0.0)
    assert im(100.0 * torch.eye(4, dtype=torch.float64)).item() == pytest.approx(-np.log(4), abs=1e-12)
    assert im(100.0 * torch.eye(4, dtype=torch.float64)[[1, 1, 1]]).item() == pytest.approx(0.0, abs=1e-12)
    assert -np.log(6) <= im(logits(9, 6, seed=4)).item() <= 0.0


@pytest.mark.parametrize("with_weights", [False, True])
def test_gradcheck(with_weights):
    y = logits(5, 4, seed=5).requires_grad_(True)
    w = torch.tensor([1.0, 0.5, 2.0, 0.0, 1.5], dtype=torch.float64) if with_weights else None
    assert torch.autograd.gradcheck(lambda x: InformationMaximizationLoss()(x, w), (y,), eps=1e-6, atol=1e-8)
