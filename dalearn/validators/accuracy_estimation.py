r"""Estimates of the target accuracy itself, from the labelled source hold-out and the unlabelled
target — no target label used. Recorded every epoch as ``val/est/atc`` and ``val/est/doc``.

**ATC** — Garg, Balakrishnan, Lipton, Neyshabur & Sedghi, "Leveraging Unlabeled Data to
Predict Out-of-Distribution Performance" (ICLR 2022). With a confidence score s per image,
fit a threshold t on the source hold-out (n images, n_correct of them classified correctly) so
that the share of hold-out images with s > t equals the hold-out accuracy, then

    ATC = (1/N_t) Σ_j [s(target_j) > t].

Choices: s is the **negative entropy** s = Σ_c p_c log p_c ("ATC-NE", the variant the paper
finds best on most shifts; ``max_confidence`` gives ATC-MC). t is the (n − n_correct)-th
smallest hold-out score (1-based), so exactly n_correct hold-out scores lie above it when the
scores are distinct; with every hold-out image correct, t = −∞ (the estimate is 1). The
authors' code (``find_ATC_threshold``) reaches the same threshold by balancing false
positives against false negatives while sweeping the sorted scores, and counts target scores
≥ t; we count > t as the paper's definition does (the two differ only on exact ties).

**DoC** — Guillory, Shankar, Ebrahimi, Darrell & Schmidt, "Predicting with Confidence on Unseen
Distributions" (ICCV 2021), difference of confidences:

    DoC = acc_source − (mean_i max_c p_c(source_i) − mean_j max_c p_c(target_j)),

clipped to [0, 1]. Choice: the paper's plain form (no regression fitted on other shifts).

Both are cheap: per image a few floats (its scores, and on the source whether it was right);
``compute()`` sorts the hold-out scores once.
"""

from __future__ import annotations

from typing import Any, Optional

import torch
from torchmetrics import Metric

from dalearn.validators._inputs import check_labels, check_logits, check_probs, concat_rows


def negative_entropy(probs: torch.Tensor) -> torch.Tensor:
    """Σ_c p_c log p_c per row (0 log 0 = 0), in float64: higher = more confident."""
    return -torch.special.entr(probs.to(torch.float64)).sum(dim=1)


def max_confidence(probs: torch.Tensor) -> torch.Tensor:
    """max_c p_c per row, in float64."""
    return probs.to(torch.float64).max(dim=1).values


def atc_threshold(source_scores: torch.Tensor, source_correct: torch.Tensor) -> float:
    """The threshold t above which the share of hold-out scores equals the hold-out accuracy
    (see the module doc)."""
    n = source_scores.numel()
    if n == 0:
        raise ValueError("ATC: no source hold-out rows to fit the threshold on; set data.source_holdout > 0")
    n_correct = int(source_correct.sum())
    if n_correct == n:
        return float("-inf")
    return float(torch.sort(source_scores.to(torch.float64)).values[n - n_correct - 1])


def atc(source_scores: torch.Tensor, source_correct: torch.Tensor, target_scores: torch.Tensor) -> float:
    """ATC's estimated target accuracy: the share of target scores above :func:`atc_threshold`."""
    if target_scores.numel() == 0:
        raise ValueError("ATC: no target rows")
    threshold = atc_threshold(source_scores, source_correct)
    return float((target_scores.to(torch.float64) > threshold).to(torch.float64).mean())


def doc(source_confidence: torch.Tensor, source_correct: torch.Tensor, target_confidence: torch.Tensor) -> float:
    """DoC's estimated target accuracy (see the module doc), clipped to [0, 1]."""
    if source_confidence.numel() == 0 or target_confidence.numel() == 0:
        raise ValueError("DoC: needs source hold-out rows and target rows")
    accuracy = source_correct.to(torch.float64).mean()
    drop = source_confidence.to(torch.float64).mean() - target_confidence.to(torch.float64).mean()
    return float((accuracy - drop).clamp(0.0, 1.0))


class AccuracyEstimates(Metric):
    """ATC and DoC over an evaluation epoch: ``update(source_logits=…, source_labels=…)`` for the
    hold-out batches, ``update(target_probs=…)`` for the target batches, then ``compute()`` →
    ``{"atc": …, "doc": …}`` (fractions; NaN when a side got no rows).

    Example:
        >>> import torch
        >>> estimates = AccuracyEstimates()
        >>> estimates.update(source_logits=torch.tensor([[4.0, 0.0], [0.0, 1.0]]), source_labels=torch.tensor([0, 0]))
        >>> estimates.update(target_probs=torch.tensor([[0.99, 0.01], [0.6, 0.4]]))
        >>> {k: round(v, 3) for k, v in estimates.compute().items()}
        {'atc': 0.5, 'doc': 0.438}
    """

    is_differentiable = False
    higher_is_better = True
    full_state_update = False

    def __init__(self, score: str = "negative_entropy", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        scores = {"negative_entropy": negative_entropy, "max_confidence": max_confidence}
        if score not in scores:
            raise ValueError(f"AccuracyEstimates: score={score!r}; expected one of {', '.join(scores)}")
        self.score = scores[score]
        for name in ("source_score", "source_confidence", "source_correct", "target_score", "target_confidence"):
            self.add_state(name, default=[], dist_reduce_fx="cat")
        self.num_classes: Optional[int] = None

    def update(
        self,
        source_logits: Optional[torch.Tensor] = None,
        source_labels: Optional[torch.Tensor] = None,
        target_probs: Optional[torch.Tensor] = None,
    ) -> None:
        if source_logits is not None:
            logits = check_logits("AccuracyEstimates", "source_logits", source_logits, self.num_classes)
            labels = check_labels("AccuracyEstimates", "source_labels", source_labels, logits.size(0), logits.size(1))
            self.num_classes = logits.size(1)
            probs = logits.to(torch.float64).softmax(dim=1)
            self.source_score.append(self.score(probs))
            self.source_confidence.append(max_confidence(probs))
            self.source_correct.append((probs.argmax(dim=1) == labels).to(torch.float64))
        if target_probs is not None:
            probs = check_probs("AccuracyEstimates", "target_probs", target_probs, self.num_classes)
            self.num_classes = probs.size(1)
            self.target_score.append(self.score(probs))
            self.target_confidence.append(max_confidence(probs))

    def compute(self) -> dict[str, float]:
        source = concat_rows(self.source_score)
        target = concat_rows(self.target_score)
        if source is None or target is None:
            return {"atc": float("nan"), "doc": float("nan")}
        correct = concat_rows(self.source_correct)
        return {
            "atc": atc(source, correct, target),
            "doc": doc(concat_rows(self.source_confidence), correct, concat_rows(self.target_confidence)),
        }

    def reset(self) -> None:
        super().reset()
        self.num_classes = None
