"""MCC's minimum class confusion loss (Jin et al., 2020)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from dalearn.losses._checks import check_features, check_finite_values, check_positive
from dalearn.losses.cdan import prediction_entropy


class MinimumClassConfusionLoss(nn.Module):
    r"""Minimum Class Confusion (Jin et al., "Minimum Class Confusion for Versatile Domain
    Adaptation", ECCV 2020): penalise target predictions that spread their mass over
    several classes at once, so that the classes stop being confused with each other.

    With :math:`\hat Y = \mathrm{softmax}(\text{logits} / T)` (shape B × C), the per-sample weights
    emphasise confident predictions,

    .. math::
        W_{ii} = \frac{B\,(1 + e^{-H(\hat y_i)})}{\sum_{i'} (1 + e^{-H(\hat y_{i'})})},
        \qquad H(p) = -\textstyle\sum_c p_c \log(p_c + 10^{-5})\ \text{(no gradient)},

    the class confusion matrix is :math:`M = \hat Y^\top W \hat Y` (C × C, symmetric), each
    column is divided by its sum, :math:`\tilde M_{jk} = M_{jk} / \sum_{j'} M_{j'k}`, and

    .. math::
        L_{\mathrm{mcc}} = \frac{1}{C}\Big(\sum_{j,k} \tilde M_{jk} - \sum_j \tilde M_{jj}\Big)
                       = \frac{1}{C}\sum_{j \ne k} \tilde M_{jk} \in [0, 1].

    The value and its gradient equal Transfer-Learning-Library's ``MinimumClassConfusionLoss``
    (same ε = 1e-5 in the weight entropy). A class whose probability underflows to 0 in
    every row of the batch would make its column sum 0 (NaN); the tempered softmax makes
    that practically impossible.

    Args:
        temperature: T > 0; 1 is the plain softmax, the paper's recipes use 2.5.

    Shape: logits (B, C) on the target batch → scalar.

    Example:
        >>> mcc = MinimumClassConfusionLoss(temperature=2.5)
        >>> round(mcc(20.0 * torch.eye(3)).item(), 4)  # confident, one class per sample
        0.0013
        >>> round(mcc(torch.zeros(6, 3)).item(), 4)  # uniform predictions: (C - 1) / C
        0.6667
    """

    def __init__(self, temperature: float) -> None:
        super().__init__()
        self.temperature = check_positive("temperature", temperature)

    def forward(self, logits: torch.Tensor) -> torch.Tensor:
        check_features("logits", logits, layout="(B, C)")
        check_finite_values("logits", logits)
        batch_size, num_classes = logits.shape
        predictions = F.softmax(logits / self.temperature, dim=1)
        weight = 1.0 + torch.exp(-prediction_entropy(predictions.detach()))
        weight = (batch_size * weight / weight.sum()).unsqueeze(1)
        confusion = (predictions * weight).t() @ predictions
        confusion = confusion / confusion.sum(dim=0, keepdim=True)
        return (confusion.sum() - torch.trace(confusion)) / num_classes
