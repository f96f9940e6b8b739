"""BNM's batch nuclear-norm maximization (Cui et al., 2020)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from dalearn.losses._checks import check_features, check_finite_values
from dalearn.losses._spectral import singular_values

NORMALIZATIONS = ("batch", "reference")


class BatchNuclearNormMaximization(nn.Module):
    r"""Batch Nuclear-norm Maximization (Cui et al., "Towards Discriminability and Diversity:
    Batch Nuclear-norm Maximization under Label Insufficient Situations", CVPR 2020). The
    nuclear norm of the batch prediction matrix A = softmax(logits) (B × C) grows with the
    confidence of the rows (it is bounded by √min(B, C)·‖A‖_F, and ‖A‖_F grows as rows
    become one-hot: discriminability) and with the number of classes the batch predicts (it
    is the convex envelope of rank(A): diversity); maximising it favours both at once:

    .. math::
        L_{\mathrm{bnm}} = -\frac{1}{B}\,\lVert A \rVert_* = -\frac{1}{B}\sum_i \sigma_i(A).

    Normalisation: the paper divides by the batch size B (``normalization='batch'``, the
    default, also what pytorch-adapt's ``BNMLoss`` does). The authors' released code
    computes ``-torch.mean(s)`` over the singular values, i.e. divides by
    min(B, C) (``normalization='reference'``). The two agree whenever B ≤ C (Office-Home:
    batch 36, 65 classes); on Office-31 (31 classes) the reference value is 36/31 times the
    paper's. With the default, −1 ≤ L < 0, and L = −1 exactly when B ≤ C and the rows are
    one-hot on distinct classes.

    Where singular values coincide the nuclear norm is not differentiable; torch's SVD
    backward then returns the subgradient U Vᵀ pushed through the softmax.

    Args:
        normalization: ``'batch'`` (÷B, paper) or ``'reference'`` (÷min(B, C), authors' code).

    Shape: logits (B, C) → scalar.

    Example:
        >>> bnm = BatchNuclearNormMaximization()
        >>> one_hot_diverse = 30.0 * torch.eye(4)
        >>> round(bnm(one_hot_diverse).item(), 4)
        -1.0
        >>> collapsed = 30.0 * torch.eye(4)[[0, 0, 0, 0]]
        >>> round(bnm(collapsed).item(), 4)
        -0.5
    """

    def __init__(self, normalization: str = "batch") -> None:
        super().__init__()
        if normalization not in NORMALIZATIONS:
            raise ValueError(f"normalization must be one of {NORMALIZATIONS}, got {normalization!r}")
        self.normalization = normalization

    def forward(self, logits: torch.Tensor) -> torch.Tensor:
        check_features("logits", logits, layout="(B, C)")
        check_finite_values("logits", logits)
        predictions = F.softmax(logits, dim=1)
        sigma = singular_values(predictions)
        divisor = logits.size(0) if self.normalization == "batch" else sigma.numel()
        return -sigma.sum() / divisor
