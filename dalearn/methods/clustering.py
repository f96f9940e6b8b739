"""SHOT's self-supervised pseudo-labels (Liang et al., 2020): a k-means-like clustering of the
target features under the cosine distance, seeded by the network's own predictions.

With features f_i (a constant 1 appended, then L2-normalised) and predictions p_i:

1. soft centroids c_k = Σ_i p_ik f_i / Σ_i p_ik, and labels ŷ_i = argmin_k d_cos(f_i, c_k);
2. ``rounds`` times (SHOT: 1): hard centroids c_k = mean of the f_i labelled k, relabel.

Only the classes the network predicts for more than ``threshold`` samples (SHOT: 0) are
candidate labels, so an empty class cannot attract samples.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def cosine_distance(x: torch.Tensor, centroids: torch.Tensor) -> torch.Tensor:
    """1 − cos(x_i, c_k), shape (N, K)."""
    return 1.0 - F.normalize(x, dim=1) @ F.normalize(centroids, dim=1).t()


def cluster_pseudo_labels(
    features: torch.Tensor, probabilities: torch.Tensor, rounds: int = 1, threshold: int = 0, eps: float = 1e-8
) -> torch.Tensor:
    """Pseudo-labels (N,) long for ``features`` (N, F) and ``probabilities`` (N, C); see the
    module docstring. Computed in float64 for a result independent of the batch order."""
    if features.dim() != 2 or probabilities.dim() != 2 or features.size(0) != probabilities.size(0):
        raise ValueError(
            f"features (N, F) and probabilities (N, C) with the same N needed, got {tuple(features.shape)} and "
            f"{tuple(probabilities.shape)}"
        )
    if rounds < 0:
        raise ValueError(f"rounds must be >= 0, got {rounds}")
    f = torch.cat([features.double(), features.new_ones(features.size(0), 1, dtype=torch.float64)], dim=1)
    f = F.normalize(f, dim=1)
    weights = probabilities.double()
    num_classes = weights.size(1)
    counts = torch.bincount(weights.argmax(dim=1), minlength=num_classes)
    candidates = torch.nonzero(counts > threshold).flatten()
    labels = torch.empty(0, dtype=torch.long)
    for step in range(rounds + 1):
        if step > 0:
            weights = F.one_hot(labels, num_classes).double()
        centroids = weights.t() @ f / (eps + weights.sum(dim=0, keepdim=True).t())
        labels = candidates[cosine_distance(f, centroids[candidates]).argmin(dim=1)]
    return labels
