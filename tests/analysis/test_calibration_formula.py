"""Expected calibration error and per-class accuracy against independent computations."""

from __future__ import annotations

import numpy as np
import pytest

from dalearn.analysis import confusion, expected_calibration_error, per_class_accuracy, reliability_bins


def loop_ece(p: np.ndarray, y: np.ndarray, n_bins: int) -> float:
    conf, pred = p.max(1), p.argmax(1)
    total = 0.0
    for m in range(n_bins):
        lo, hi = m / n_bins, (m + 1) / n_bins
        inside = [(lo < c <= hi) or (m == 0 and c == 0) for c in conf]
        inside = np.array(inside)
        if inside.any():
            total += inside.sum() / len(y) * abs(np.mean(pred[inside] == y[inside]) - np.mean(conf[inside]))
    return total


@pytest.mark.parametrize("n_bins", [1, 10, 15])
def test_ece_matches_a_loop_over_bins(n_bins):
    rng = np.random.default_rng(n_bins)
    logits = rng.normal(size=(500, 7)) * 3
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    y = rng.integers(0, 7, 500)
    assert expected_calibration_error(p, y, n_bins) == pytest.approx(loop_ece(p, y, n_bins), abs=1e-12)


def test_ece_is_zero_when_confidence_equals_accuracy_and_one_when_always_wrong_with_certainty():
    p = np.tile([0.75, 0.25], (8, 1))
    y = np.array([0, 0, 0, 1] * 2)  # 75 % correct at confidence 0.75
    assert expected_calibration_error(p, y) == pytest.approx(0.0, abs=1e-12)
    assert expected_calibration_error(np.tile([1.0, 0.0], (4, 1)), np.ones(4, int)) == pytest.approx(1.0)
    bins = reliability_bins(p, y)
    assert bins["count"].sum() == 8 and bins["count"][11] == 8  # 0.75 ∈ (11/15, 12/15]


def test_bad_shapes_are_named():
    with pytest.raises(ValueError, match=r"\(N, C\) probabilities and \(N,\) labels"):
        reliability_bins(np.ones((3, 2)), np.ones(4, int))


def test_per_class_accuracy_and_confusion():
    y = np.array([0, 0, 1, 1, 1, 2])
    pred = np.array([0, 1, 1, 1, 0, 1])
    out = per_class_accuracy(y, pred, 4)
    assert out["support"].tolist() == [2, 3, 1, 0]
    np.testing.assert_allclose(out["accuracy"][:3], [0.5, 2 / 3, 0.0])
    assert np.isnan(out["accuracy"][3])
    assert confusion(y, pred, 4)[1].tolist() == [1, 2, 0, 0]
