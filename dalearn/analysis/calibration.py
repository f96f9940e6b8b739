r"""Calibration of a classifier's confidence (Guo et al., 2017, "On Calibration of Modern
Neural Networks").

The confidence of a prediction is its largest softmax probability. Predictions are put in
``n_bins`` equal-width bins of confidence, B_m = ((m−1)/M, m/M] (the first bin also takes 0);
the expected calibration error is

    ECE = Σ_m (|B_m| / N) · |acc(B_m) − conf(B_m)|,

with acc(B_m) the share of correct predictions and conf(B_m) the mean confidence in the bin.
The reliability diagram plots acc(B_m) against the bin: a calibrated model lies on the diagonal.
"""

from __future__ import annotations

import numpy as np

N_BINS = 15


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax in float64, shifted by the row maximum for stability."""
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def reliability_bins(probabilities: np.ndarray, labels: np.ndarray, n_bins: int = N_BINS) -> dict[str, np.ndarray]:
    """Per bin: ``lower``, ``upper``, ``count``, ``accuracy`` and ``confidence`` (NaN when
    empty), for (N, C) probabilities and (N,) integer labels."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    labels = np.asarray(labels)
    if probabilities.ndim != 2 or labels.shape != (probabilities.shape[0],):
        raise ValueError(f"need (N, C) probabilities and (N,) labels, got {probabilities.shape} and {labels.shape}")
    if n_bins < 1:
        raise ValueError(f"n_bins must be at least 1, got {n_bins}")
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.ceil(confidence * n_bins).astype(np.int64) - 1, 0, n_bins - 1)
    count = np.bincount(which, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy = np.bincount(which, weights=correct.astype(np.float64), minlength=n_bins) / count
        mean_confidence = np.bincount(which, weights=confidence, minlength=n_bins) / count
    return {
        "lower": edges[:-1],
        "upper": edges[1:],
        "count": count,
        "accuracy": accuracy,
        "confidence": mean_confidence,
    }


def expected_calibration_error(probabilities: np.ndarray, labels: np.ndarray, n_bins: int = N_BINS) -> float:
    """ECE with ``n_bins`` equal-width confidence bins (see the module docstring)."""
    bins = reliability_bins(probabilities, labels, n_bins)
    filled = bins["count"] > 0
    weight = bins["count"][filled] / bins["count"].sum()
    return float(np.sum(weight * np.abs(bins["accuracy"][filled] - bins["confidence"][filled])))
