"""Independent NumPy/SciPy derivations of the metric math (float64), written from the
formulas of the cited papers and the docstrings, by explicit differences
and loops where the library uses the ‖a‖² + ‖b‖² − 2ab expansion and block sums."""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.stats


def sq_dists(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """‖a_i − b_j‖² by explicit differences."""
    return ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2)


def lower_median_pairs(z: np.ndarray) -> float:
    """The ⌈P/2⌉-th smallest of the P = n(n−1)/2 distances ‖z_i − z_j‖², i < j."""
    n = z.shape[0]
    values = sorted(float(((z[i] - z[j]) ** 2).sum()) for i in range(n) for j in range(i + 1, n))
    return values[(len(values) + 1) // 2 - 1]


def ladder(base: float, num_kernels: int, kernel_mul: float) -> list[float]:
    return [base * kernel_mul ** (u - (num_kernels - 1) / 2) for u in range(num_kernels)]


def layer_kernel(a: np.ndarray, b: np.ndarray, sigmas: list[float]) -> np.ndarray:
    d = sq_dists(a, b)
    return np.mean([np.exp(-d / (2.0 * s)) for s in sigmas], axis=0)


def joint_mmd(
    source: list[np.ndarray],
    target: list[np.ndarray],
    num_kernels: list[int],
    kernel_mul: float,
    estimator: str,
    fixed: list[float | None] | None = None,
) -> float:
    """(J)MMD² with the exact pooled median per layer."""
    n_s, n_t = source[0].shape[0], target[0].shape[0]
    k_ss, k_tt, k_st = np.ones((n_s, n_s)), np.ones((n_t, n_t)), np.ones((n_s, n_t))
    for layer, (s, t) in enumerate(zip(source, target)):
        base = fixed[layer] if fixed and fixed[layer] is not None else lower_median_pairs(np.vstack([s, t]))
        sig = ladder(base, num_kernels[layer], kernel_mul)
        k_ss = k_ss * layer_kernel(s, s, sig)
        k_tt = k_tt * layer_kernel(t, t, sig)
        k_st = k_st * layer_kernel(s, t, sig)
    if estimator == "biased":
        return k_ss.mean() + k_tt.mean() - 2.0 * k_st.mean()
    off_s = sum(k_ss[i, j] for i in range(n_s) for j in range(n_s) if i != j) / (n_s * (n_s - 1))
    off_t = sum(k_tt[i, j] for i in range(n_t) for j in range(n_t) if i != j) / (n_t * (n_t - 1))
    return off_s + off_t - 2.0 * k_st.mean()


def linear_mmd(s: np.ndarray, t: np.ndarray, sigmas: list[float]) -> float:
    """(1/n_s)Σ k(s_i, s_{i+1}) + (1/n_t)Σ k(t_j, t_{j+1}) − (2/L)Σ_{l<L} k(s_{l mod n_s}, t_{l mod n_t}),
    rows already in the estimator's order."""

    def k(a, b):
        d = float(((a - b) ** 2).sum())
        return np.mean([np.exp(-d / (2.0 * sg)) for sg in sigmas])

    n_s, n_t = len(s), len(t)
    within_s = sum(k(s[i], s[(i + 1) % n_s]) for i in range(n_s)) / n_s
    within_t = sum(k(t[j], t[(j + 1) % n_t]) for j in range(n_t)) / n_t
    big = max(n_s, n_t)
    cross = sum(k(s[i % n_s], t[i % n_t]) for i in range(big)) / big
    return within_s + within_t - 2.0 * cross


def kl_diag(p: np.ndarray, q: np.ndarray, floor: float = 1e-9) -> float:
    """KL(N(μ_p, diag v_p) ‖ N(μ_q, diag v_q)) with population variances."""
    mp, mq = p.mean(0), q.mean(0)
    vp, vq = np.maximum(p.var(0), floor), np.maximum(q.var(0), floor)
    return 0.5 * float(np.sum(vp / vq - 1.0 - np.log(vp / vq) + (mq - mp) ** 2 / vq))


def fid(s: np.ndarray, t: np.ndarray, eps: float = 1e-6) -> float:
    """Seed formula with scipy's sqrtm (real part) on population covariances + eps·I."""
    cs = np.cov(s, rowvar=False, bias=True) + eps * np.eye(s.shape[1])
    ct = np.cov(t, rowvar=False, bias=True) + eps * np.eye(t.shape[1])
    covmean = scipy.linalg.sqrtm(cs @ ct).real
    return float(np.sum((s.mean(0) - t.mean(0)) ** 2) + np.trace(cs) + np.trace(ct) - 2.0 * np.trace(covmean))


def wasserstein_exact(s: np.ndarray, t: np.ndarray) -> float:
    """Mean over dimensions of scipy's exact 1-D Wasserstein distance."""
    return float(np.mean([scipy.stats.wasserstein_distance(s[:, i], t[:, i]) for i in range(s.shape[1])]))
