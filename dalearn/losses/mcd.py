"""MCD's two terms (Saito et al., 2018): classifier discrepancy and the class-balance term."""

from __future__ import annotations

import torch

from dalearn.losses._checks import check_features, check_pair


def classifier_discrepancy(predictions1: torch.Tensor, predictions2: torch.Tensor) -> torch.Tensor:
    r"""d(p1, p2) = (1/(N·K)) Σ_i Σ_k |p1_ik − p2_ik| — the mean absolute difference of two
    classifiers' probability outputs (pass softmax probabilities, shape (N, K)).

    Example:
        >>> p = torch.tensor([[1.0, 0.0]]); q = torch.tensor([[0.0, 1.0]])
        >>> classifier_discrepancy(p, q)
        tensor(1.)
    """
    check_pair("predictions1", predictions1, "predictions2", predictions2, same_batch=True)
    return torch.mean(torch.abs(predictions1 - predictions2))


def entropy(predictions: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    r"""MCD's class-balance term −(1/K) Σ_k log((1/N) Σ_i p_ik + ε) on a batch of probabilities
    (N, K). It is the cross-entropy between the uniform distribution and the batch-mean
    prediction — large when the batch collapses onto few classes. It is *not* the mean
    per-sample entropy.

    Example:
        >>> entropy(torch.full((4, 2), 0.5))
        tensor(0.6931)
    """
    check_features("predictions", predictions)
    return -torch.mean(torch.log(torch.mean(predictions, dim=0) + eps))
