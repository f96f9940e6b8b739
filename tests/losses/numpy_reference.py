"""Independent NumPy derivations of the loss math (float64), written from
the cited papers with explicit loops where the torch code vectorises, so
that the tests compare two different computations of one formula."""

from __future__ import annotations

import numpy as np

DAN_ALPHAS = (0.125, 0.25, 0.5, 1.0, 2.0)
JAN_PREDICTION_SIGMA = 0.92


def pairwise_sq_dists(x: np.ndarray) -> np.ndarray:
    """D²_ab = Σ_k (x_ak − x_bk)², by explicit differences."""
    n = x.shape[0]
    d = np.zeros((n, n))
    for a in range(n):
        for b in range(n):
            d[a, b] = np.sum((x[a] - x[b]) ** 2)
    return d


def gaussian_data_driven(x: np.ndarray, alpha: float) -> np.ndarray:
    """exp(−D²/(2σ²)) with σ² = α·mean(D²) over all n² entries, zero diagonal included."""
    d = pairwise_sq_dists(x)
    return np.exp(-d / (2.0 * alpha * d.mean()))


def gaussian_fixed(x: np.ndarray, sigma: float) -> np.ndarray:
    return np.exp(-pairwise_sq_dists(x) / (2.0 * sigma**2))


def dan_kernel(x: np.ndarray) -> np.ndarray:
    """Sum of the five DAN kernels on the stacked batch."""
    return sum(gaussian_data_driven(x, a) for a in DAN_ALPHAS)


def quadratic_mmd(k: np.ndarray, n_s: int, n_t: int, estimator: str) -> np.ndarray:
    """U-statistic (unbiased), V-statistic (biased) or DALIB value (unbiased + 2/(n−1))."""
    if estimator == "biased":
        return k[:n_s, :n_s].mean() + k[n_s:, n_s:].mean() - 2.0 * k[:n_s, n_s:].mean()
    ss = sum(k[i, j] for i in range(n_s) for j in range(n_s) if i != j) / (n_s * (n_s - 1))
    tt = sum(k[n_s + i, n_s + j] for i in range(n_t) for j in range(n_t) if i != j) / (n_t * (n_t - 1))
    st = sum(k[i, n_s + j] for i in range(n_s) for j in range(n_t)) / (n_s * n_t)
    value = ss + tt - 2.0 * st
    return value + 2.0 / (n_s - 1) if estimator == "reference" else value


def linear_mmd(k: np.ndarray, n: int, estimator: str) -> float:
    """(1/n) Σ_i [K(s_i,s_{i+1}) + K(t_i,t_{i+1}) − K(s_i,t_{i+1}) − K(s_{i+1},t_i)], mod n."""
    total = 0.0
    for i in range(n):
        j = (i + 1) % n
        total += k[i, j] + k[n + i, n + j] - k[i, n + j] - k[j, n + i]
    value = total / n
    return value + 2.0 / (n - 1) if estimator == "reference" else value


def softmax(y: np.ndarray) -> np.ndarray:
    e = np.exp(y - y.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def log_softmax(y: np.ndarray) -> np.ndarray:
    shifted = y - y.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def bce_with_logits(z: np.ndarray, label: float) -> np.ndarray:
    """−[y log σ(z) + (1−y) log(1−σ(z))] = y·log(1+e^{−z}) + (1−y)·log(1+e^{z})."""
    return label * np.logaddexp(0.0, -z) + (1.0 - label) * np.logaddexp(0.0, z)


def linear_layer(x: np.ndarray, module) -> np.ndarray:
    """x Wᵀ + b with the parameters of a torch ``nn.Linear``."""
    return x @ module.weight.detach().double().numpy().T + module.bias.detach().double().numpy()
