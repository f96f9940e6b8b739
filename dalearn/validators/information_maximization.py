r"""Information-maximisation (IM) validator on the target predictions,

    score = H(p̄) − (1/N) Σ_i H(P_i),   p̄ = (1/N) Σ_i P_i,   H(q) = −Σ_c q_c log q_c,

the mutual information between an image and its predicted class: high when each prediction
is confident (small mean entropy) *and* the classes are used evenly (large entropy of the
mean prediction), so, unlike plain entropy, collapsing every image onto one class scores 0.
Range [0, log C].

Papers: Shi & Sha, "Information-theoretical learning of discriminative clusters for
unsupervised domain adaptation" (ICML 2012); used as a training loss by SHOT (Liang et al.,
"Do we really need to access the source data?", ICML 2020), and as a validator (IM) by
Musgrave et al., "Benchmarking validation methods for unsupervised domain adaptation" (2022).

Cost: float64 sufficient statistics Σ_i P_i (C values), Σ_i H(P_i) and N; compute() is O(C).
"""

from __future__ import annotations

from typing import Any

import torch

from dalearn.validators._inputs import check_probs
from dalearn.validators.base import Validator, sum_state
from dalearn.validators.entropy import row_entropy


def information_maximization(target_probs: torch.Tensor) -> torch.Tensor:
    """H(p̄) − (1/N) Σ_i H(P_i) of an (N, C) matrix of target softmax probabilities (float64)."""
    probs = check_probs("information_maximization", "target_probs", target_probs, None)
    if probs.size(0) == 0:
        raise ValueError(
            "information_maximization: target_probs has no rows; pass the softmax outputs of at least one target image"
        )
    probs = probs.to(torch.float64)
    return _score(probs.sum(dim=0), row_entropy(probs).sum(), probs.size(0))


def _score(prob_sum: torch.Tensor, entropy_sum: torch.Tensor, count: float | torch.Tensor) -> torch.Tensor:
    mean_prob = prob_sum / count
    return torch.special.entr(mean_prob).sum() - entropy_sum / count


class InformationMaximization(Validator):
    r"""H(p̄) − mean H(P_i) on the target predictions (see the module doc).

    Example:
        >>> import torch
        >>> validator = InformationMaximization()
        >>> validator.update(target_probs=torch.tensor([[1.0, 0.0]]))
        >>> validator.update(target_probs=torch.tensor([[0.0, 1.0]]))
        >>> round(float(validator.compute()), 4)  # confident and balanced: log 2
        0.6931
    """

    name = "ima"
    inputs = ("target_probs",)
    needs_source = False

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        sum_state(self, "prob_sum")
        sum_state(self, "entropy_sum")
        sum_state(self, "count")

    def update(self, target_probs: torch.Tensor) -> None:
        """Add a batch of (N, C) target softmax probabilities."""
        probs = check_probs(type(self).__name__, "target_probs", target_probs, self.num_classes)
        self.num_classes = probs.size(1)
        probs = probs.to(torch.float64)
        self.prob_sum = self.prob_sum + probs.sum(dim=0)
        self.entropy_sum = self.entropy_sum + row_entropy(probs).sum()
        self.count = self.count + probs.size(0)

    def compute(self) -> torch.Tensor:
        if float(self.count) == 0:
            raise self._missing_target()
        return _score(self.prob_sum, self.entropy_sum, self.count)
