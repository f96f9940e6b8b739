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


class ClassBalancedSelfTrainingLoss(ConfidenceBasedSelfTrainingLoss):
    r"""Confidence-thresholded self-training whose pseudo-labels are weighted against the
    classes they already favour — a guard against collapse onto a few classes, in the spirit of
    class-balanced self-training (CBST, Zou et al., "Unsupervised domain adaptation for semantic
    segmentation via class-balanced self-training", ECCV 2018), as an online reweighting:

    .. math::
        h_c = \frac{\sum_i m_i [\hat y_i = c]}{\sum_i m_i},\qquad
        f \leftarrow \mu f + (1 - \mu)\, h,\qquad
        w_c = \min\Big(\frac{1}{C f_c},\ C\Big),\qquad
        L = \frac{1}{N}\sum_{i=1}^{N} m_i\, w_{\hat y_i}\, \mathrm{CE}(y_i, \hat y_i),

    with :math:`m_i`, :math:`\hat y_i` the mask and pseudo-labels of
    :class:`ConfidenceBasedSelfTrainingLoss`. ``f`` (the buffer ``class_frequency``, uniform at
    first) is the running share of each class among the confident pseudo-labels, updated on
    every call that keeps at least one sample (summed over processes under
    ``torch.distributed``). While the pseudo-labels are balanced (f = 1/C) the loss equals
    FixMatch's; a class that takes a share f_c > 1/C of them has its pseudo-labels weighted by
    1/(C f_c) < 1 (1/10 when it takes all of them with C = 10), and a rare class's weight is
    capped at C.

    Args:
        threshold: τ in (0, 1].
        num_classes: C.
        momentum: μ in [0, 1) (0.99: about the last 100 batches).

    Returns: ``(loss, mask, pseudo_labels)`` as :class:`ConfidenceBasedSelfTrainingLoss`.

    Example:
        >>> loss_fn = ClassBalancedSelfTrainingLoss(threshold=0.5, num_classes=2, momentum=0.0)
        >>> y_weak = torch.tensor([[5.0, 0.0], [5.0, 0.0], [5.0, 0.0], [0.0, 5.0]])
        >>> loss, mask, labels = loss_fn(torch.zeros(4, 2), y_weak)
        >>> loss_fn.class_frequency  # three of four pseudo-labels are class 0
        tensor([0.7500, 0.2500])
        >>> round(loss.item(), 4)  # log 2 · (3 · 1/1.5 + 1 · 1/0.5) / 4
        0.6931
    """

    def __init__(self, threshold: float, num_classes: int, momentum: float = 0.99) -> None:
        super().__init__(threshold)
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
            raise ValueError(f"num_classes must be an integer >= 2, got {num_classes!r}")
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) or not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must be a number in [0, 1), got {momentum!r}")
        self.num_classes = num_classes
        self.momentum = float(momentum)
        self.register_buffer("class_frequency", torch.full((num_classes,), 1.0 / num_classes))

    def forward(self, y: torch.Tensor, y_target: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        check_pair("y", y, "y_target", y_target, same_batch=True)
        check_finite_values("y", y)
        check_finite_values("y_target", y_target)
        if y.size(1) != self.num_classes:
            raise ValueError(f"y has {y.size(1)} classes (columns), but the loss was built for {self.num_classes}")
        confidence, pseudo_labels = F.softmax(y_target.detach(), dim=1).max(dim=1)
        mask = (confidence >= self.threshold).float()
        with torch.no_grad():
            counts = torch.bincount(pseudo_labels[mask.bool()], minlength=self.num_classes).to(self.class_frequency)
            if torch.distributed.is_available() and torch.distributed.is_initialized():
                torch.distributed.all_reduce(counts)
            if counts.sum() > 0:
                self.class_frequency.mul_(self.momentum).add_((1.0 - self.momentum) * counts / counts.sum())
            weights = (1.0 / (self.num_classes * self.class_frequency)).clamp(max=float(self.num_classes))
        per_sample = F.cross_entropy(y, pseudo_labels, reduction="none")
        loss = (per_sample * mask.to(per_sample) * weights[pseudo_labels].to(per_sample)).mean()
        return loss, mask, pseudo_labels
