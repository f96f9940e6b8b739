"""MCD's classifier discrepancy and class-balance term against NumPy loops."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dalearn.losses import classifier_discrepancy, entropy


def probabilities(n: int, k: int, seed: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return (torch.randn(n, k, dtype=torch.float64, generator=gen) * 2.0).softmax(dim=1)


def test_discrepancy_is_the_mean_absolute_difference():
    p1, p2 = probabilities(6, 4, seed=1), probabilities(6, 4, seed=2)
    expected = sum(abs(p1[i, k].item() - p2[i, k].item()) for i in range(6) for k in range(4)) / 24
    assert classifier_discrepancy(p1, p2).item() == pytest.approx(expected, rel=1e-12)
    assert classifier_discrepancy(p1, p1).item() == 0.0


def test_entropy_is_the_class_balance_term_of_the_batch_mean():
    p = probabilities(7, 5, seed=3)
    mean_prediction = [sum(p[i, k].item() for i in range(7)) / 7 for k in range(5)]
    expected = -sum(np.log(m + 1e-6) for m in mean_prediction) / 5
    assert entropy(p).item() == pytest.approx(expected, rel=1e-12)


def test_entropy_is_not_the_per_sample_entropy():
    one_hot_balanced = torch.eye(4, dtype=torch.float64)
    assert entropy(one_hot_balanced).item() == pytest.approx(-np.log(0.25 + 1e-6), rel=1e-12)
    collapsed = torch.zeros(4, 4, dtype=torch.float64)
    collapsed[:, 0] = 1.0
    assert entropy(collapsed).item() == pytest.approx(-(np.log(1 + 1e-6) + 3 * np.log(1e-6)) / 4, rel=1e-12)


def test_discrepancy_gradient_reaches_both_classifiers():
    p1 = probabilities(3, 2, seed=4).requires_grad_(True)
    p2 = probabilities(3, 2, seed=5).requires_grad_(True)
    classifier_discrepancy(p1, p2).backward()
    np.testing.assert_allclose(p1.grad.numpy(), np.sign(p1.detach().numpy() - p2.detach().numpy()) / 6, rtol=1e-12)
    np.testing.assert_allclose(p2.grad.numpy(), -p1.grad.numpy(), rtol=1e-12)
