r"""Entropy validator: the negated mean prediction entropy on the target,

    score = −(1/N) Σ_i H(P_i),   H(q) = −Σ_c q_c log q_c   (natural log, 0 log 0 = 0).

Entropy minimisation is from Grandvalet & Bengio, "Semi-supervised learning by entropy
minimization" (NeurIPS 2005); Morerio et al., "Minimal-entropy correlation alignment for
unsupervised deep domain adaptation" (ICLR 2018) use the target entropy to select models.
Confident target predictions score high (0 for one-hot rows, −log C for uniform rows).

Cost: two float64 sums (Σ H(P_i) and N); compute() is O(1).
"""

from __future__ import annotations

from typing import Any

import torch

from dalearn.validators._inputs import check_probs
from dalearn.validators.base import Validator, sum_state


def row_entropy(probs: torch.Tensor) -> torch.Tensor:
    """H(P_i) for each row, in float64 (0 log 0 = 0)."""
    return torch.special.entr(probs.to(torch.float64)).sum(dim=1)


def entropy(target_probs: torch.Tensor) -> torch.Tensor:
    """−(1/N) Σ_i H(P_i) of an (N, C) matrix of target softmax probabilities (float64)."""
    probs = check_probs("entropy", "target_probs", target_probs, None)
    if probs.size(0) == 0:
        raise ValueError("entropy: target_probs has no rows; pass the softmax outputs of at least one target image")
    return -row_entropy(probs).mean()


class Entropy(Validator):
    r"""Negated mean entropy of the target predictions (see the module doc for the formula).

    Example:
        >>> import torch
        >>> validator = Entropy()
        >>> validator.update(target_probs=torch.tensor([[1.0, 0.0], [0.5, 0.5]]))
        >>> round(float(validator.compute()), 4)  # −(0 + log 2) / 2
        -0.3466
    """

    name = "entropy"
    inputs = ("target_probs",)
    needs_source = False

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        sum_state(self, "entropy_sum")
        sum_state(self, "count")

    def update(self, target_probs: torch.Tensor) -> None:
        """Add a batch of (N, C) target softmax probabilities."""
        probs = check_probs(type(self).__name__, "target_probs", target_probs, self.num_classes)
        self.num_classes = probs.size(1)
        self.entropy_sum = self.entropy_sum + row_entropy(probs).sum()
        self.count = self.count + probs.size(0)

    def compute(self) -> torch.Tensor:
        if float(self.count) == 0:
            raise self._missing_target()
        return -self.entropy_sum / self.count
