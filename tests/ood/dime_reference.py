"""NumPy derivation of DIME (Sjögren & Trygg 2021, and the dime-pytorch package), float64."""

from __future__ import annotations

import numpy as np


def fit(x: np.ndarray, threshold, center: bool) -> dict:
    mu = x.mean(0) if center else np.zeros(x.shape[1])
    _, s, vt = np.linalg.svd(x - mu, full_matrices=False)
    ratio = s**2 / np.sum(s**2)
    if isinstance(threshold, int):
        k = threshold
    else:
        k = next(i + 1 for i, c in enumerate(np.cumsum(ratio)) if c >= threshold - 1e-12)
    v = vt[:k].T
    scores = (x - mu) @ v
    return {
        "mu": mu,
        "v": v,
        "k": k,
        "t_mean": scores.mean(0),
        "t_cov": np.cov(scores, rowvar=False).reshape(k, k),
        "explained_variance": s**2 / (len(x) - 1),
    }


def distance_to(model: dict, x: np.ndarray) -> np.ndarray:
    c = x - model["mu"]
    return np.linalg.norm(c - c @ model["v"] @ model["v"].T, axis=1)


def distance_within(model: dict, x: np.ndarray) -> np.ndarray:
    diff = (x - model["mu"]) @ model["v"] - model["t_mean"]
    inv = np.linalg.inv(model["t_cov"])
    return np.sqrt(np.einsum("ij,jk,ik->i", diff, inv, diff))


def probability(calibration: np.ndarray, d: np.ndarray, tail_fraction: float | None) -> np.ndarray:
    """Empirical CDF; with tail_fraction, exponential tail beyond the (n−k)-th order statistic."""
    cal = np.sort(calibration)
    n = len(cal)
    out = np.array([np.sum(cal <= v) / n for v in d])
    if tail_fraction is None:
        return out
    k = max(1, int(np.ceil(tail_fraction * n)))
    u = cal[n - k - 1]
    beta = np.mean(cal[n - k :] - u)
    tail = 1 - (k / n) * np.exp(-(d - u) / beta)
    return np.where(d > u, tail, out)
