"""The weighted Spearman correlation between validator scores and target accuracies — how
Musgrave et al. (2022, "Three New Validators and a Large-Scale Benchmark Ranking for
Unsupervised Domain Adaptation") judge a validator over the checkpoints of a task.

A plain Spearman correlation weighs a swap among the worst checkpoints as much as one among
the best, but only the top of the ranking decides which model is deployed. Their measure
therefore weights each checkpoint by its validator rank:

    w_i = (dense_rank(s)_i / max dense_rank(s))^p,   p = 2,

(dense ranks 1..K of the K distinct scores, ascending, so the best-scored checkpoint weighs 1
and the worst 1/K^p), and computes a *weighted* Spearman: each of the two vectors is replaced
by its weighted mid-ranks — for a group of tied values, the total weight of the strictly
smaller values plus (c + 1)/2 times the group's mean weight, c being the group's size —
and the result is the weighted Pearson correlation of the two weighted-rank vectors,

    ρ_w = Σ w (a − ā)(b − b̄) / sqrt(Σ w (a − ā)² · Σ w (b − b̄)²),   ā = Σ w a / Σ w.

With equal weights the weighted mid-ranks are the ordinary average ranks and ρ_w is the
ordinary Spearman correlation. Non-finite scores are set to the lowest finite score first
(as in their benchmark code). A constant vector has no ranking: the result is NaN.
"""

from __future__ import annotations

import numpy as np

#: the exponent of the rank weights in Musgrave et al. (2022).
POWER = 2.0


def rank_weights(scores: np.ndarray, power: float = POWER) -> np.ndarray:
    """w_i = (dense rank of s_i / number of distinct scores)^power."""
    ranks = np.unique(scores, return_inverse=True)[1].reshape(-1).astype(np.float64) + 1.0
    return (ranks / ranks.max()) ** power


def weighted_ranks(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted mid-ranks: weight of the strictly smaller values + (c + 1)/2 · mean weight of
    the tie group (c its size)."""
    _, group, counts = np.unique(values, return_inverse=True, return_counts=True)
    group_weight = np.bincount(group, weights=weights)
    below = np.cumsum(group_weight) - group_weight
    return below[group] + ((counts + 1) / 2 * (group_weight / counts))[group]


def weighted_pearson(a: np.ndarray, b: np.ndarray, weights: np.ndarray) -> float:
    """Σ w (a − ā)(b − b̄) / sqrt(Σ w (a − ā)² Σ w (b − b̄)²); NaN when either side is constant."""
    da = a - np.sum(weights * a) / np.sum(weights)
    db = b - np.sum(weights * b) / np.sum(weights)
    denominator = np.sqrt(np.sum(weights * da * da) * np.sum(weights * db * db))
    if not denominator > 0:
        return float("nan")
    return float(np.clip(np.sum(weights * da * db) / denominator, -1.0, 1.0))


def finite_scores(scores: np.ndarray) -> np.ndarray:
    """``scores`` with NaN and ±inf replaced by the lowest finite score."""
    scores = np.asarray(scores, dtype=np.float64).copy()
    finite = np.isfinite(scores)
    if not finite.any():
        raise ValueError("every validator score is NaN or infinite; there is nothing to rank")
    scores[~finite] = scores[finite].min()
    return scores


def weighted_spearman(scores, accuracies, power: float = POWER) -> float:
    """The weighted Spearman correlation of Musgrave et al. (2022) between validator
    ``scores`` (higher = predicted better) and target ``accuracies`` (see the module doc)."""
    scores = finite_scores(scores)
    accuracies = np.asarray(accuracies, dtype=np.float64)
    if scores.shape != accuracies.shape or scores.ndim != 1:
        raise ValueError(
            f"scores and accuracies must be 1-D and of one length, got shapes {scores.shape} and {accuracies.shape}"
        )
    if not np.isfinite(accuracies).all():
        raise ValueError("target accuracies must be finite numbers")
    if scores.size < 2:
        return float("nan")
    weights = rank_weights(scores, power)
    return weighted_pearson(weighted_ranks(scores, weights), weighted_ranks(accuracies, weights), weights)
