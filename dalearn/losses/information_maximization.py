"""SHOT's information maximization loss (Liang et al., 2020)."""

from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from dalearn.losses._checks import check_features, check_finite_values, check_weights


def _entropy(p: torch.Tensor, eps: float) -> torch.Tensor:
    """−Σ_c p_c log(p_c + ε) over the last axis; xlogy keeps 0·log 0 = 0 when ε = 0."""
    return -torch.special.xlogy(p, p + eps).sum(dim=-1)


class InformationMaximizationLoss(nn.Module):
    r"""Information maximization, as used by SHOT (Liang et al., "Do We Really Need to Access
    the Source Data? Source Hypothesis Transfer for Unsupervised Domain Adaptation", ICML
    2020): make each target prediction confident (low entropy) while keeping the batch's
    predictions spread over the classes (high entropy of the mean prediction), so that
    entropy minimisation cannot collapse everything onto one class:

    .. math::
        L_{\mathrm{im}} = \underbrace{\sum_i \bar w_i\, H(p_i)}_{\text{entropy}}
                        - \underbrace{H\Big(\sum_i \bar w_i\, p_i\Big)}_{\text{diversity}},
        \qquad p_i = \mathrm{softmax}(y_i),\quad H(p) = -\sum_c p_c \log(p_c + \varepsilon),

    with :math:`\bar w_i = w_i / \sum_j w_j` (uniform 1/N without weights, which is SHOT's
    loss exactly: its ``Entropy`` and ``gent`` terms with ε = 1e-5). Sample weights weight
    both the per-sample entropies and the batch-mean prediction. Entropy is concave, so
    (for ε = 0) −log C ≤ L ≤ 0: L = 0 when all rows are the same distribution, L = −log C
    when every row is one-hot and the classes are equally frequent.

    Args:
        epsilon: ε ≥ 0 inside the logs (SHOT's 1e-5). With ε = 0 the entropies are exact,
            but a probability that underflows to 0 gives a NaN gradient.

    Shape: logits (N, C), optional weights (N,) non-negative with a positive sum → scalar.

    Example:
        >>> im = InformationMaximizationLoss(epsilon=0.0)
        >>> confident_and_diverse = 50.0 * torch.eye(4)
        >>> round(im(confident_and_diverse).item(), 4)  # -log 4
        -1.3863
        >>> collapsed = 50.0 * torch.eye(4)[[0, 0, 0, 0]]
        >>> round(im(collapsed).item(), 4)
        0.0
    """

    def __init__(self, epsilon: float = 1e-5) -> None:
        super().__init__()
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or not 0.0 <= epsilon < 1.0:
            raise ValueError(f"epsilon must be a number in [0, 1), got {epsilon!r}")
        self.epsilon = float(epsilon)

    def forward(self, logits: torch.Tensor, weights: Optional[torch.Tensor] = None) -> torch.Tensor:
        check_features("logits", logits, layout="(N, C)")
        check_finite_values("logits", logits)
        weights = check_weights("weights", weights, logits.size(0))
        predictions = F.softmax(logits, dim=1)
        if weights is None:
            normalized = torch.full_like(predictions[:, 0], 1.0 / logits.size(0))
        else:
            check_finite_values("weights", weights)
            if (weights < 0).any() or weights.sum() <= 0:
                raise ValueError(
                    "weights must be non-negative with a positive sum, got "
                    f"min {weights.min().item():g} and sum {weights.sum().item():g}"
                )
            normalized = weights.to(predictions.dtype) / weights.sum()
        entropy = (normalized * _entropy(predictions, self.epsilon)).sum()
        mean_prediction = (normalized.unsqueeze(1) * predictions).sum(dim=0)
        diversity = _entropy(mean_prediction, self.epsilon)
        return entropy - diversity


def mean_prediction_entropy(logits: torch.Tensor, epsilon: float = 1e-5) -> torch.Tensor:
    r"""The diversity term of information maximisation alone (SHOT, Liang et al., 2020):
    :math:`H(\bar p) = -\sum_c \bar p_c \log(\bar p_c + \varepsilon)` of the batch-mean prediction
    :math:`\bar p = \frac{1}{N}\sum_i \mathrm{softmax}(y_i)` — high when the batch's predictions
    spread over the classes. Subtracting it from a loss (self-training's collapse protection)
    pushes the predictions apart without also pushing each one to be confident.

    Example:
        >>> round(mean_prediction_entropy(50.0 * torch.eye(4), epsilon=0.0).item(), 4)  # log 4
        1.3863
        >>> mean_prediction_entropy(50.0 * torch.eye(4)[[0, 0, 0, 0]], epsilon=0.0).abs().item() < 1e-6
        True
    """
    check_features("logits", logits, layout="(N, C)")
    check_finite_values("logits", logits)
    return _entropy(F.softmax(logits, dim=1).mean(dim=0), float(epsilon))
