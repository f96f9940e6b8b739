r"""Batch nuclear-norm (BNM) validator on the target predictions,

    score = ‖P‖_* / N = (1/N) Σ_k σ_k(P) = (1/N) Σ_k √λ_k(PᵀP),

with P the (N, C) matrix of all target softmax rows. The nuclear norm is large when the
predictions are both confident and diverse (P close to a full-rank one-hot matrix).

Paper: Cui et al., "Towards discriminability and diversity: batch nuclear-norm maximization
under label insufficient situations" (CVPR 2020); as a validator in Musgrave et al.,
"Benchmarking validation methods for unsupervised domain adaptation" (2022).

Normalisation: divided by N, as in pytorch-adapt's ``BNMValidator`` (the negated
``BNMLoss``: −‖softmax(logits)‖_nuc / N). The nuclear norm is taken over *all* N rows at
once, not averaged over batches: the singular values of P are the square roots of the
eigenvalues of the C×C Gram matrix PᵀP = Σ_i P_iᵀP_i, a float64 sum, so the score does not
depend on how the rows were batched and no row is stored.

Cost: a float64 C×C sum and N; compute() is one C×C symmetric eigendecomposition.
"""

from __future__ import annotations

from typing import Any

import torch

from dalearn.validators._inputs import check_probs
from dalearn.validators.base import Validator, sum_state


def batch_nuclear_norm(target_probs: torch.Tensor) -> torch.Tensor:
    """‖P‖_* / N of an (N, C) matrix of target softmax probabilities (float64)."""
    probs = check_probs("batch_nuclear_norm", "target_probs", target_probs, None)
    if probs.size(0) == 0:
        raise ValueError(
            "batch_nuclear_norm: target_probs has no rows; pass the softmax outputs of at least one target image"
        )
    probs = probs.to(torch.float64)
    return _score(probs.T @ probs, probs.size(0))


def _score(gram: torch.Tensor, count: float | torch.Tensor) -> torch.Tensor:
    eigenvalues = torch.linalg.eigvalsh(gram)
    return eigenvalues.clamp_min(0.0).sqrt().sum() / count


class BatchNuclearNorm(Validator):
    r"""‖P‖_* / N over all target predictions (see the module doc).

    Example:
        >>> import torch
        >>> validator = BatchNuclearNorm()
        >>> validator.update(target_probs=torch.eye(3))
        >>> float(validator.compute())  # three orthonormal rows: ‖I‖_* / 3
        1.0
    """

    name = "bnm"
    inputs = ("target_probs",)
    needs_source = False

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        sum_state(self, "gram")
        sum_state(self, "count")

    def update(self, target_probs: torch.Tensor) -> None:
        """Add a batch of (N, C) target softmax probabilities."""
        probs = check_probs(type(self).__name__, "target_probs", target_probs, self.num_classes)
        self.num_classes = probs.size(1)
        probs = probs.to(torch.float64)
        self.gram = self.gram + probs.T @ probs
        self.count = self.count + probs.size(0)

    def compute(self) -> torch.Tensor:
        if float(self.count) == 0:
            raise self._missing_target()
        return _score(self.gram, self.count)
