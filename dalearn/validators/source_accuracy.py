r"""Source-accuracy validator: top-1 accuracy on the held-out labelled source split,

    score = (1/n_s) Σ_i 1[argmax_c z_ic = y_i],

the classic baseline for model selection in domain adaptation (it ignores the shift; Musgrave
et al., "Benchmarking validation methods for unsupervised domain adaptation", 2022, find it
often competitive). Needs a source hold-out (``data.source_holdout > 0``).

Cost: two float64 counts; compute() is O(1).
"""

from __future__ import annotations

from typing import Any

import torch

from dalearn.validators._inputs import check_labels, check_logits
from dalearn.validators.base import Validator, sum_state


def source_accuracy(source_logits: torch.Tensor, source_labels: torch.Tensor) -> torch.Tensor:
    """Top-1 accuracy (float64) of (N, C) source logits (or probabilities) against (N,) labels."""
    logits = check_logits("source_accuracy", "source_logits", source_logits, None)
    labels = check_labels("source_accuracy", "source_labels", source_labels, logits.size(0), logits.size(1))
    if labels.numel() == 0:
        raise ValueError(
            "source_accuracy: no source rows; it needs labelled source hold-out rows (set data.source_holdout > 0)"
        )
    return (logits.argmax(dim=1) == labels.to(logits.device)).to(torch.float64).mean()


class SourceAccuracy(Validator):
    r"""Accuracy on the labelled source hold-out split (see the module doc).

    Example:
        >>> import torch
        >>> validator = SourceAccuracy()
        >>> validator.update(source_logits=torch.tensor([[2.0, 0.0], [0.0, 1.0]]), source_labels=torch.tensor([0, 0]))
        >>> float(validator.compute())
        0.5
    """

    name = "src_acc"
    inputs = ("source_logits", "source_labels")
    needs_source = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        sum_state(self, "correct")
        sum_state(self, "count")

    def update(self, source_logits: torch.Tensor, source_labels: torch.Tensor) -> None:
        """Add a batch of (N, C) source hold-out logits and their (N,) labels."""
        owner = type(self).__name__
        logits = check_logits(owner, "source_logits", source_logits, self.num_classes)
        labels = check_labels(owner, "source_labels", source_labels, logits.size(0), logits.size(1))
        self.num_classes = logits.size(1)
        self.correct = self.correct + (logits.argmax(dim=1) == labels.to(logits.device)).sum().to(torch.float64)
        self.count = self.count + logits.size(0)

    def compute(self) -> torch.Tensor:
        if float(self.count) == 0:
            raise self._missing_source()
        return self.correct / self.count
