r"""Collapse check: are a model's target predictions degenerate? A per-epoch diagnostic read
without any target label — not a selection score (it ranks nothing; it flags epochs).

Over the N target images of an evaluation epoch, with softmax rows p_i and predicted classes
ŷ_i = argmax_c p_ic:

- ``mean_entropy_ratio`` = H(p̄) / H(π), with p̄ = (1/N) Σ_i p_i the mean target prediction,
  π the source class prior (the class frequencies of the source labels given — during
  training the source batches' and the hold-out's since the last evaluation; uniform 1/C when
  none are given) and
  H(q) = −Σ_c q_c log q_c. About 1 when the target predictions spread over the classes as the
  source labels do; towards 0 when they pile onto one class. H(p̄) is the diversity term of
  information maximisation (Liang et al., "Do we really need to access the source data?",
  ICML 2020), here compared with what the source labels say it should be;
- ``top_share`` = max_c n_c / N, n_c = #{i : ŷ_i = c}: the share of the largest predicted class,
  and ``top_class`` = argmax_c n_c, that class's index (the lowest on a tie);
- ``top_share_ratio`` = top_share / max_c π_c: that share in units of the largest source
  class's share (1 for a balanced target predicted like the source; C when every image gets
  one class of a balanced source);
- ``agreement`` = a = (1/N) Σ_i [ŷ_i = ŷ_i^ref] and ``kappa`` = (a − a_e) / (1 − a_e), Cohen's
  kappa with a_e = Σ_c (n_c / N)(n_c^ref / N) the agreement of two models that predict
  independently with these class shares — only when a reference model's predictions on the
  same images are given (``reference_probs``, a Source-Only model). Kappa is 0 for a model
  whose predictions carry nothing of the reference's (a one-class collapse gives exactly 0,
  whatever the class), and 1 for the reference itself: a model that has drifted to chance
  agreement with the source model has most likely stopped using what the source taught it —
  collapse or negative transfer;
- ``flag`` = 1.0 when mean_entropy_ratio < ``min_entropy_ratio``, or top_share_ratio >
  ``max_top_share_ratio``, or kappa < ``min_kappa`` (when recorded); 0.0 otherwise.

Why: self-training or entropy minimisation can lock onto its own wrong pseudo-labels; the
loss falls, the predictions become confident and the confidence validators (entropy, SND)
rank such a checkpoint first. The shape of the predictions gives it away without labels.
The default thresholds were set from measured healthy and collapsed runs of every method on
the offline tasks (benchmarks/results/collapse/README.md): each flags the collapsed runs
measured there with margin and no healthy run measured.

Inputs: ``update(target_probs=…)`` adds target rows; ``update(source_labels=…)`` counts source
labels for π; ``update(reference_probs=…)`` gives the reference model's probabilities for the
earliest target rows not yet paired (the rows of the batch just added, in the same order), so
the training harness can feed the model's rows and the reference's from two places. The
plain function :func:`collapse_diagnostics` does the same on whole tensors.

Cost: float64 sums of 4·C + 3 numbers (no row is stored beyond the predicted classes of the
batch awaiting its reference); compute() is O(C).
"""

from __future__ import annotations

import math
from typing import Any, Optional

import torch
from torchmetrics import Metric

from dalearn.validators._inputs import check_labels, check_probs
from dalearn.validators.base import sum_state

#: Default thresholds (see the module doc and benchmarks/results/collapse/README.md).
MIN_ENTROPY_RATIO = 0.45
MAX_TOP_SHARE_RATIO = 6.5
MIN_KAPPA = 0.1
#: The names compute() returns, in order (``agreement`` only with a reference).
DIAGNOSTICS = ("mean_entropy_ratio", "top_share", "top_class", "top_share_ratio", "agreement", "kappa", "flag")


def _entropy(q: torch.Tensor) -> torch.Tensor:
    return -torch.special.xlogy(q, q).sum()


def _diagnostics(
    prob_sum: torch.Tensor,
    predicted: torch.Tensor,
    count: float,
    source: torch.Tensor,
    agree: Optional[float],
    reference: Optional[torch.Tensor],
    thresholds: tuple[float, float, float],
) -> dict[str, torch.Tensor]:
    """``reference``: the reference's predicted-class counts over the same rows (with ``agree``)."""
    num_classes = prob_sum.numel()
    prior = source / source.sum() if float(source.sum()) > 0 else torch.full_like(prob_sum, 1.0 / num_classes)
    prior_entropy = float(_entropy(prior))
    ratio = float(_entropy(prob_sum / count)) / prior_entropy if prior_entropy > 0 else math.nan
    top_share = float(predicted.max()) / count
    top_ratio = top_share / float(prior.max())
    min_entropy_ratio, max_top_share_ratio, min_kappa = thresholds
    flagged = (not ratio >= min_entropy_ratio) or top_ratio > max_top_share_ratio
    top_class = float(torch.argmax(predicted))
    out = {"mean_entropy_ratio": ratio, "top_share": top_share, "top_class": top_class, "top_share_ratio": top_ratio}
    if agree is not None and reference is not None:
        chance = float((predicted / count * reference / count).sum())
        kappa = (agree - chance) / (1.0 - chance) if chance < 1.0 else 0.0
        out["agreement"], out["kappa"] = agree, kappa
        flagged = flagged or kappa < min_kappa
    out["flag"] = 1.0 if flagged else 0.0
    return {key: torch.tensor(value, dtype=torch.float64) for key, value in out.items()}


def _thresholds(min_entropy_ratio: float, max_top_share_ratio: float, min_kappa: float) -> tuple[float, ...]:
    for name, value, low, high in (
        ("min_entropy_ratio", min_entropy_ratio, 0.0, 1.0),
        ("max_top_share_ratio", max_top_share_ratio, 1.0, math.inf),
        ("min_kappa", min_kappa, -1.0, 1.0),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise ValueError(f"collapse check: {name} must be a number in [{low}, {high}], got {value!r}")
    return float(min_entropy_ratio), float(max_top_share_ratio), float(min_kappa)


def collapse_diagnostics(
    target_probs: torch.Tensor,
    source_labels: Optional[torch.Tensor] = None,
    reference_probs: Optional[torch.Tensor] = None,
    min_entropy_ratio: float = MIN_ENTROPY_RATIO,
    max_top_share_ratio: float = MAX_TOP_SHARE_RATIO,
    min_kappa: float = MIN_KAPPA,
) -> dict[str, torch.Tensor]:
    """The diagnostics and the flag (float64 scalars, see the module doc) of (N, C) target
    softmax rows, optional source labels (N_s,) and optional reference softmax rows (N, C)."""
    owner = "collapse_diagnostics"
    thresholds = _thresholds(min_entropy_ratio, max_top_share_ratio, min_kappa)
    probs = check_probs(owner, "target_probs", target_probs, None).to(torch.float64)
    if probs.size(0) == 0:
        raise ValueError(f"{owner}: target_probs has no rows; pass the softmax outputs of at least one target image")
    num_classes = probs.size(1)
    source = torch.zeros(num_classes, dtype=torch.float64)
    if source_labels is not None:
        labels = check_labels(owner, "source_labels", source_labels, source_labels.size(0), num_classes)
        source = torch.bincount(labels, minlength=num_classes).to(torch.float64)
    predicted = probs.argmax(dim=1)
    agree, reference_counts = None, None
    if reference_probs is not None:
        reference = check_probs(owner, "reference_probs", reference_probs, num_classes)
        if reference.size(0) != probs.size(0):
            raise ValueError(
                f"{owner}: reference_probs has {reference.size(0)} rows but target_probs {probs.size(0)}; pass the "
                "reference model's outputs on the same target images"
            )
        agree = float((reference.argmax(dim=1) == predicted).to(torch.float64).mean())
        reference_counts = torch.bincount(reference.argmax(dim=1), minlength=num_classes).to(torch.float64)
    histogram = torch.bincount(predicted, minlength=num_classes).to(torch.float64)
    return _diagnostics(probs.sum(dim=0), histogram, probs.size(0), source, agree, reference_counts, thresholds)


class CollapseCheck(Metric):
    """The collapse diagnostics of the module doc, accumulated over batches; ``compute()``
    returns ``{name: float64 scalar}`` (``agreement`` and ``kappa`` only when reference rows were given).

    Example:
        >>> import torch
        >>> check = CollapseCheck(num_classes=4)
        >>> check.update(source_labels=torch.tensor([0, 1, 2, 3]))
        >>> check.update(target_probs=torch.eye(4)[[0, 0, 1, 2]])
        >>> {k: round(float(v), 3) for k, v in check.compute().items()}
        {'mean_entropy_ratio': 0.75, 'top_share': 0.5, 'top_class': 0.0, 'top_share_ratio': 2.0, 'flag': 0.0}
        >>> check.update(target_probs=torch.eye(4)[[2] * 60])  # then 60 images of class 2
        >>> {k: round(float(v), 3) for k, v in check.compute().items()}
        {'mean_entropy_ratio': 0.158, 'top_share': 0.953, 'top_class': 2.0, 'top_share_ratio': 3.812, 'flag': 1.0}
    """

    #: What the training harness feeds (as it feeds the validators); ``reference_probs`` comes
    #: from the run's collapse monitor, not from the harness.
    inputs = ("target_probs", "source_labels")
    needs_source = False
    is_differentiable = False
    higher_is_better = None
    full_state_update = False

    def __init__(
        self,
        num_classes: int,
        min_entropy_ratio: float = MIN_ENTROPY_RATIO,
        max_top_share_ratio: float = MAX_TOP_SHARE_RATIO,
        min_kappa: float = MIN_KAPPA,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
            raise ValueError(f"CollapseCheck: num_classes must be an integer >= 2, got {num_classes!r}")
        self.num_classes = num_classes
        self.thresholds = _thresholds(min_entropy_ratio, max_top_share_ratio, min_kappa)
        for name in ("prob_sum", "predicted", "count", "source", "agree", "paired", "reference"):
            sum_state(self, name)
        self._pending: list[torch.Tensor] = []

    def reset(self) -> None:
        """Clear the sums and any target rows still waiting for their reference rows."""
        super().reset()
        self._pending = []

    def update(
        self,
        target_probs: Optional[torch.Tensor] = None,
        source_labels: Optional[torch.Tensor] = None,
        reference_probs: Optional[torch.Tensor] = None,
    ) -> None:
        """Add target softmax rows, source labels and/or the reference's softmax rows for the
        earliest target rows not yet paired (see the module doc)."""
        owner, c = type(self).__name__, self.num_classes
        if target_probs is not None:
            probs = check_probs(owner, "target_probs", target_probs, c).to(torch.float64)
            predicted = probs.argmax(dim=1)
            self.prob_sum = self.prob_sum + probs.sum(dim=0)
            self.predicted = self.predicted + torch.bincount(predicted, minlength=c).to(torch.float64)
            self.count = self.count + probs.size(0)
            self._pending.append(predicted)
        if source_labels is not None:
            labels = check_labels(owner, "source_labels", source_labels, source_labels.size(0), c)
            self.source = self.source + torch.bincount(labels, minlength=c).to(torch.float64)
        if reference_probs is not None:
            self._pair(check_probs(owner, "reference_probs", reference_probs, c).argmax(dim=1))

    def _pair(self, reference: torch.Tensor) -> None:
        waiting = torch.cat(self._pending) if self._pending else reference.new_zeros(0)
        if reference.size(0) > waiting.size(0):
            raise ValueError(
                f"{type(self).__name__}: {reference.size(0)} reference rows given but only {waiting.size(0)} target "
                "rows are waiting for them; give the reference's outputs after the model's, for the same images"
            )
        n = reference.size(0)
        self.agree = self.agree + (waiting[:n] == reference).sum().to(torch.float64)
        self.reference = self.reference + torch.bincount(reference, minlength=self.num_classes).to(torch.float64)
        self.paired = self.paired + n
        self._pending = [waiting[n:]] if n < waiting.size(0) else []

    def compute(self) -> dict[str, torch.Tensor]:
        count = float(self.count)
        if count == 0:
            raise ValueError(
                f"{type(self).__name__}: compute() called before any target rows; call update(target_probs=...) first"
            )
        paired = float(self.paired)
        if paired and paired != count:
            raise ValueError(
                f"{type(self).__name__}: reference rows were given for {paired:.0f} of {count:.0f} target rows; give "
                "them for every target batch or for none"
            )
        predicted = torch.as_tensor(self.predicted, dtype=torch.float64).expand(self.num_classes)
        prob_sum = torch.as_tensor(self.prob_sum, dtype=torch.float64).expand(self.num_classes)
        source = torch.as_tensor(self.source, dtype=torch.float64).expand(self.num_classes)
        agree = float(self.agree) / paired if paired else None
        reference = torch.as_tensor(self.reference, dtype=torch.float64).expand(self.num_classes)
        return _diagnostics(prob_sum, predicted, count, source, agree, reference, self.thresholds)
