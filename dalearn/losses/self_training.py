"""Confidence-thresholded self-training on pseudo-labels (FixMatch, Sohn et al., 2020)."""

from __future__ import annotations

from typing import Tuple

import torch
import torch.nn.functional as F
from torch import nn

from dalearn.losses._checks import check_finite_values, check_pair, check_unit_interval


class ConfidenceBasedSelfTrainingLoss(nn.Module):
    r"""Self-training with confident pseudo-labels, as in FixMatch (Sohn et al., "FixMatch:
    Simplifying Semi-Supervised Learning with Consistency and Confidence", NeurIPS 2020) and
    Pseudo-Label (Lee, 2013). The prediction on one view (y_target: the weakly augmented
    one, no gradient) labels the other (y: the strongly augmented one), keeping only the
    samples whose label is confident:

    .. math::
        q_i = \mathrm{softmax}(y^{\mathrm{target}}_i),\quad \hat y_i = \arg\max_c q_{ic},\quad
        m_i = [\max_c q_{ic} \ge \tau],\qquad
        L = \frac{1}{N}\sum_{i=1}^{N} m_i\, \mathrm{CE}(y_i, \hat y_i).

    The mean runs over the whole batch (masked samples count as zero), as in FixMatch and
    Transfer-Learning-Library, whose ``ConfidenceBasedSelfTrainingLoss(threshold)`` this
    matches in arguments and return values. One difference, at exact ties only: the mask
    keeps confidence ≥ τ (FixMatch's rule) where TLlib keeps > τ.

    Args:
        threshold: τ in (0, 1] (FixMatch uses 0.95).

    Returns: ``(loss, mask, pseudo_labels)`` — the scalar loss; the float32 0/1 mask (N,)
    (float32 whatever the logits' dtype, as TLlib's ``.float()``); the long pseudo-labels (N,). Neither mask nor labels carry gradient.

    Shape: y, y_target (N, C) logits.

    Example:
        >>> self_training = ConfidenceBasedSelfTrainingLoss(threshold=0.9)
        >>> y_weak = torch.tensor([[5.0, 0.0], [0.1, 0.0]])
        >>> y_strong = torch.tensor([[0.0, 0.0], [0.0, 3.0]])
        >>> loss, mask, pseudo_labels = self_training(y_strong, y_weak)
        >>> mask, pseudo_labels
        (tensor([1., 0.]), tensor([0, 0]))
        >>> round(loss.item(), 4)  # log(2) / 2: the first sample's CE, averaged over 2
        0.3466
    """

    def __init__(self, threshold: float) -> None:
        super().__init__()
        self.threshold = check_unit_interval("threshold", threshold)

    def forward(self, y: torch.Tensor, y_target: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        check_pair("y", y, "y_target", y_target, same_batch=True)
        check_finite_values("y", y)
        check_finite_values("y_target", y_target)
        confidence, pseudo_labels = F.softmax(y_target.detach(), dim=1).max(dim=1)
        mask = (confidence >= self.threshold).float()
        loss = (F.cross_entropy(y, pseudo_labels, reduction="none") * mask).mean()
        return loss, mask, pseudo_labels
