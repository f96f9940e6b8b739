"""ConfidenceBasedSelfTrainingLoss (FixMatch-style) against a NumPy loop derivation."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from numpy_reference import confidence_self_training

from dalearn.losses import ConfidenceBasedSelfTrainingLoss


def logits(n: int, c: int, seed: int, scale: float = 3.0) -> torch.Tensor:
    return torch.randn(n, c, dtype=torch.float64, generator=torch.Generator().manual_seed(seed)) * scale


@pytest.mark.parametrize("threshold", [0.5, 0.8, 0.95, 1.0])
def test_loss_mask_and_labels_match_numpy(threshold):
    y, y_target = logits(12, 4, seed=1), logits(12, 4, seed=2)
    loss, mask, labels = ConfidenceBasedSelfTrainingLoss(threshold=threshold)(y, y_target)
    expected_loss, expected_mask, expected_labels = confidence_self_training(y.numpy(), y_target.numpy(), threshold)
    assert loss.item() == pytest.approx(expected_loss, rel=1e-6, abs=1e-12)
    np.testing.assert_array_equal(mask.numpy(), expected_mask)
    np.testing.assert_array_equal(labels.numpy(), expected_labels)


def test_some_but_not_all_samples_pass_at_the_tested_thresholds():
    """Guards the test above against a mask that is trivially all ones or all zeros."""
    _, mask, _ = ConfidenceBasedSelfTrainingLoss(threshold=0.8)(logits(12, 4, seed=1), logits(12, 4, seed=2))
    assert 0 < mask.sum().item() < 12


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_return_types_match_tllib(dtype):
    """TLlib returns a float32 mask (``.float()``) whatever the logits' dtype."""
    y = logits(6, 3, seed=3).to(dtype)
    loss, mask, labels = ConfidenceBasedSelfTrainingLoss(threshold=0.9)(y, y * 2)
    assert loss.shape == () and loss.dtype == dtype
    assert mask.shape == (6,) and mask.dtype == torch.float32
    assert labels.shape == (6,) and labels.dtype == torch.int64


def test_confidence_equal_to_the_threshold_is_kept():
    y_target = torch.zeros(2, 2, dtype=torch.float64)
    _, mask, labels = ConfidenceBasedSelfTrainingLoss(threshold=0.5)(torch.zeros(2, 2, dtype=torch.float64), y_target)
    assert mask.tolist() == [1.0, 1.0] and labels.tolist() == [0, 0]


def test_gradcheck_in_y_and_no_gradient_to_y_target():
    y = logits(6, 4, seed=4).requires_grad_(True)
    y_target = logits(6, 4, seed=5).requires_grad_(True)
    loss_fn = ConfidenceBasedSelfTrainingLoss(threshold=0.7)
    assert torch.autograd.gradcheck(lambda x: loss_fn(x, y_target)[0], (y,), eps=1e-6, atol=1e-8)
    loss_fn(y, y_target)[0].backward()
    assert y_target.grad is None
