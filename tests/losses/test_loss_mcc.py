"""MinimumClassConfusionLoss against a NumPy loop derivation of Jin et al. (2020)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from numpy_reference import central_difference_gradient, mcc_weights, minimum_class_confusion

from dalearn.losses import MinimumClassConfusionLoss


def logits(b: int, c: int, seed: int, scale: float = 2.0) -> torch.Tensor:
    return torch.randn(b, c, dtype=torch.float64, generator=torch.Generator().manual_seed(seed)) * scale


@pytest.mark.parametrize("b,c,temperature", [(8, 3, 2.5), (5, 7, 1.0), (16, 4, 0.5), (3, 2, 10.0)])
def test_value_matches_numpy(b, c, temperature):
    y = logits(b, c, seed=b * c)
    value = MinimumClassConfusionLoss(temperature=temperature)(y)
    assert value.item() == pytest.approx(minimum_class_confusion(y.numpy(), temperature), rel=1e-6)


def test_gradient_treats_the_sample_weights_as_constants():
    """The weights are detached (as in the paper and TLlib), so the gradient is that of the
    loss with the weights frozen at their current value; gradcheck on the full function
    would wrongly differentiate through them. Compare with central differences instead."""
    y = logits(6, 4, seed=3).requires_grad_(True)
    MinimumClassConfusionLoss(temperature=2.5)(y).backward()
    frozen = mcc_weights(y.detach().numpy(), 2.5)
    expected = central_difference_gradient(lambda x: minimum_class_confusion(x, 2.5, frozen), y.detach().numpy())
    np.testing.assert_allclose(y.grad.numpy(), expected, rtol=1e-6, atol=1e-9)
    full = central_difference_gradient(lambda x: minimum_class_confusion(x, 2.5), y.detach().numpy())
    assert np.abs(full - expected).max() > 1e-6


def test_gradcheck_with_the_weight_entropies_pinned(monkeypatch):
    """gradcheck of the module itself, with the (detached) entropies behind the weights pinned
    to their values at the base point, so that finite differences see the same constants."""
    y = logits(5, 3, seed=4)
    p = torch.softmax(y / 2.5, dim=1)
    pinned = -(p * torch.log(p + 1e-5)).sum(dim=1)
    monkeypatch.setattr("dalearn.losses.mcc.prediction_entropy", lambda _: pinned)
    mcc = MinimumClassConfusionLoss(temperature=2.5)
    assert torch.autograd.gradcheck(mcc, (y.clone().requires_grad_(True),), eps=1e-6, atol=1e-8)


def test_uniform_predictions_are_maximally_confused_and_one_hot_are_not():
    mcc = MinimumClassConfusionLoss(temperature=1.0)
    assert mcc(torch.zeros(6, 4, dtype=torch.float64)).item() == pytest.approx(3 / 4, rel=1e-12)
    one_hot = 200.0 * torch.eye(4, dtype=torch.float64)
    assert mcc(one_hot).item() == pytest.approx(0.0, abs=1e-12)


def test_temperature_rescales_the_logits():
    y = logits(7, 5, seed=6)
    unscaled = MinimumClassConfusionLoss(1.0)(y / 2.5).item()
    assert MinimumClassConfusionLoss(2.5)(y).item() == pytest.approx(unscaled, rel=1e-12)


def test_matches_transfer_learning_library_row_sum_division():
    """TLlib divides the confusion matrix by its row sums with broadcasting (column k by row
    sum k); the matrix is symmetric, so that is the column normalisation used here."""
    y = logits(9, 4, seed=7)
    p = torch.softmax(y / 2.5, dim=1)
    h = -(p * torch.log(p + 1e-5)).sum(dim=1)
    w = 1 + torch.exp(-h)
    w = (9 * w / w.sum()).unsqueeze(1)
    m = (p * w).transpose(1, 0).mm(p)
    m = m / torch.sum(m, dim=1)
    tllib = (m.sum() - torch.trace(m)) / 4
    assert MinimumClassConfusionLoss(temperature=2.5)(y).item() == pytest.approx(tllib.item(), rel=1e-12)
