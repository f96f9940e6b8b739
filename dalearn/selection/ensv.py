r"""EnsV: each candidate's agreement with the ensemble of all candidates.

Hu, Luo, Liang & Foo, "Towards Reliable Model Selection for Unsupervised Domain Adaptation: An
Empirical Study and A Certified Baseline" (NeurIPS 2024 Datasets & Benchmarks). For M candidate
checkpoints with target softmax predictions P_1 … P_M (each N × C, the same N images):

    P̄ = (1/M) Σ_m P_m,    ŷ_i = argmax_c P̄_ic,    score_m = (1/N) Σ_i [argmax_c P_m,ic = ŷ_i],

and the pick is the candidate with the highest score. The ensemble is usually at least as
accurate as its average member, and the pick provably avoids the worst candidate; unlike a
single-model score it cannot be fooled by one confident, collapsed model (its argmax is one vote
among M).

Choices where the paper leaves them open, checked against the authors' code (LHXXHB/EnsV,
``ensv.py``): the ensemble averages *softmax probabilities* (not logits), with equal weights;
ties in an argmax go to the lowest class index (NumPy's and torch's argmax); the candidates are
**every checkpoint of the task** that ``dalearn-select`` ranks (all methods, hyperparameters and
evaluated epochs; per seed with ``--per-seed``), flagged (collapsed) ones included in the
ensemble — they are one vote each — but not pickable (:mod:`dalearn.selection.collapse`). The
authors ensemble the final checkpoints of one method's hyperparameter grid; dalearn's pool is
larger, which only adds members to the average. Predictions are the stored float16 ones
(:mod:`dalearn.selection.predictions`); the sum is taken in float64.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np


def ensemble_labels(predictions: Iterable[np.ndarray]) -> np.ndarray:
    """ŷ = argmax of the mean of the candidates' (N, C) probability matrices."""
    total = None
    count = 0
    for probs in predictions:
        probs = np.asarray(probs, dtype=np.float64)
        if total is None:
            total = np.zeros_like(probs)
        elif probs.shape != total.shape:
            raise ValueError(
                f"EnsV: candidate {count} has predictions of shape {probs.shape}, the first {total.shape}; every "
                "candidate must score the same target images and classes"
            )
        total += probs
        count += 1
    if total is None:
        raise ValueError("EnsV needs at least one candidate's predictions")
    return (total / count).argmax(axis=1)


def agreement(probs: np.ndarray, labels: np.ndarray) -> float:
    """The share of images whose argmax under ``probs`` equals ``labels``."""
    return float(np.mean(np.asarray(probs).argmax(axis=1) == labels))


def ensv_scores(predictions: Sequence[np.ndarray]) -> np.ndarray:
    """EnsV's score of each candidate (see the module doc), in the order given.

    Example (three candidates, two images, two classes):
        >>> import numpy as np
        >>> a = np.array([[0.9, 0.1], [0.2, 0.8]])
        >>> b = np.array([[0.6, 0.4], [0.6, 0.4]])
        >>> c = np.array([[0.3, 0.7], [0.1, 0.9]])
        >>> ensv_scores([a, b, c]).tolist()  # mean [[0.6, 0.4], [0.3, 0.7]] → labels [0, 1]
        [1.0, 0.5, 0.5]
    """
    labels = ensemble_labels(predictions)
    return np.array([agreement(probs, labels) for probs in predictions], dtype=np.float64)
