"""Choosing across runs: rank a pool of candidates (one task's checkpoints, or one task's and one
seed's) by one rule and report what a user needs to pick the model to deploy — and what a
benchmark needs to judge the rule.

For a pool c_1..c_n (methods × hyperparameters × epochs [× seeds]):

- the **pick** is the eligible candidate with the highest score — eligible: it has a score for
  the rule (a source-free method has no source hold-out score), it is unflagged (not collapsed,
  :mod:`dalearn.selection.collapse`), and the rule's score is not one its method maximises in
  its loss (``trains_on``: SHOT's information maximisation and BNM top ``entropy``, ``ima`` and
  ``bnm`` by construction, whatever their accuracy — a score cannot judge the method that
  optimises it) — unless no candidate is eligible, when all of them are; NaN ranks last;
  ties: the first in run-path and epoch order, and when several tie on the best score the
  pick's accuracy is the *mean* of theirs (what a random choice among them gets on average) and
  ``tied`` says how many;
- the **oracle** is the candidate with the best target accuracy (flagged or not);
- **regret** = 100 · (oracle accuracy − pick accuracy), in points (0 is perfect);
- **bottom half**: the pick's accuracy is below the median accuracy of the pool (the failure
  EnsV's paper counts: a pick worse than a coin flip over the pool);
- **weighted Spearman**: :func:`dalearn.selection.weighted_spearman.weighted_spearman` of the
  scores and the accuracies over the candidates that have a score;
- the pick's **accuracy estimates** (ATC, DoC), no target label used.

Without target labels a pool still gets its pick; regret, bottom half and correlation are None.
The average row is the mean over the pools that have each number.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional

import numpy as np

from dalearn.selection.candidates import ORACLE, Checkpoint
from dalearn.selection.collapse import eligible
from dalearn.selection.ensv import ensv_scores
from dalearn.selection.weighted_spearman import weighted_spearman

#: the order in which reports list the fixed rules before the others.
FIXED_ORDER = ("oracle", "src_val", "last", "atc", "doc", "ensv", "mixval")


class RankingError(ValueError):
    """A pool that cannot be ranked by the rule asked for (the message says why and what to do)."""


@dataclass(frozen=True)
class TaskChoice:
    """The outcome of ranking one pool by ``rule``; ``seed`` is None when the seeds are pooled."""

    task: tuple
    label: str
    rule: str
    checkpoints: int
    pick: Checkpoint
    tied: int
    pick_accuracy: Optional[float]
    oracle: Optional[Checkpoint]
    regret: Optional[float]
    correlation: Optional[float]
    bottom_half: Optional[bool] = None
    seed: Optional[int] = None
    excluded_flagged: int = 0
    excluded_trains_on: int = 0
    without_score: int = 0
    pick_estimates: dict = field(default_factory=dict)


def _missing_rule(rule: str, checkpoints: list[Checkpoint], label: str) -> RankingError:
    lacking = [c for c in checkpoints if rule not in c.scores]
    example = lacking[0]
    recorded = rules_recorded(checkpoints)
    return RankingError(
        f"{label}: {len(lacking)} of {len(checkpoints)} checkpoints have no {rule!r} score "
        f"(e.g. {getattr(example.run, 'path', example.run)}, epoch {example.epoch}); the scores every checkpoint "
        f"recorded: {', '.join(recorded) or 'none'}. Rank by one of those, or retrain the runs with "
        f"validators=[...,{rule}]"
    )


def choose(checkpoints: list[Checkpoint], rule: str, label: str = "", seed: Optional[int] = None) -> TaskChoice:
    """Rank one pool of ``checkpoints`` by ``rule`` (see the module doc). Candidates without a
    score for ``rule`` (a source-free method has no source hold-out score) cannot be picked by
    it; they still count for the oracle and the median, and ``without_score`` says how many."""
    if not checkpoints:
        raise RankingError(f"{label}: no finished checkpoint to rank")
    scored = [c for c in checkpoints if rule in c.scores]
    if not scored:
        raise _missing_rule(rule, checkpoints, label)
    scores = np.array([c.scores[rule] for c in scored], dtype=np.float64)
    ranked = np.where(np.isfinite(scores), scores, -np.inf)
    trained = np.array([rule in c.trains_on for c in scored], bool)
    flags = np.array([c.flagged for c in scored], bool)
    allowed = np.ones(len(scored), bool) if rule == ORACLE else np.array(eligible(list(flags | trained)))
    best = ranked[allowed].max()
    top = [i for i in range(len(scored)) if allowed[i] and ranked[i] == best]
    pick = scored[top[0]]
    labelled = all(c.accuracy is not None for c in checkpoints)
    pick_accuracy = float(np.mean([scored[i].accuracy for i in top])) if labelled else None
    oracle = regret = correlation = bottom_half = None
    if labelled:
        accuracies = np.array([c.accuracy for c in checkpoints], dtype=np.float64)
        oracle = checkpoints[int(np.argmax(accuracies))]
        regret = 100.0 * (oracle.accuracy - pick_accuracy)
        bottom_half = bool(pick_accuracy < float(np.median(accuracies)))
        mine = np.array([c.accuracy for c in scored], dtype=np.float64)
        correlation = weighted_spearman(scores, mine) if np.isfinite(scores).any() else float("nan")
    return TaskChoice(
        task=pick.task,
        label=label,
        rule=rule,
        checkpoints=len(checkpoints),
        pick=pick,
        tied=len(top),
        pick_accuracy=pick_accuracy,
        oracle=oracle,
        regret=regret,
        correlation=correlation,
        bottom_half=bottom_half,
        seed=seed,
        excluded_flagged=int((~allowed & flags).sum()),
        excluded_trains_on=int((~allowed & trained & ~flags).sum()),
        without_score=len(checkpoints) - len(scored),
        pick_estimates=dict(pick.estimates),
    )


def rules_recorded(checkpoints: list[Checkpoint], share: float = 1.0) -> list[str]:
    """The rules at least ``share`` of the candidates have a score for (1.0: every one), fixed
    rules first (:data:`FIXED_ORDER`)."""
    if not checkpoints:
        return []
    counts: dict[str, int] = defaultdict(int)
    for checkpoint in checkpoints:
        for rule in checkpoint.scores:
            counts[rule] += 1
    found = {rule for rule, count in counts.items() if count >= share * len(checkpoints)}
    fixed = [rule for rule in FIXED_ORDER if rule in found]
    return fixed + sorted(found - set(fixed))


def pools(checkpoints: Iterable[Checkpoint], per_seed: bool = False) -> dict[tuple, list[Checkpoint]]:
    """The candidates grouped by task identity (and by seed with ``per_seed``), in the order given.
    The key is ``(task, seed)``; seed is None when the seeds are pooled."""
    grouped: dict[tuple, list[Checkpoint]] = defaultdict(list)
    for checkpoint in checkpoints:
        seed = getattr(checkpoint.run, "seed", None) if per_seed else None
        grouped[(checkpoint.task, seed)].append(checkpoint)
    return dict(grouped)


def add_ensv(
    pool: list[Checkpoint], predictions_of: Callable[[Checkpoint], Optional[tuple[np.ndarray, np.ndarray]]]
) -> list[tuple[Checkpoint, str]]:
    """Score every candidate of ``pool`` by EnsV (``scores["ensv"]``) from its stored predictions.

    ``predictions_of(c)`` gives ``(rows, probs)`` of candidate ``c`` (its target-set row indices
    and (N, C) predictions) or None when it has none. The ensemble is formed over the candidates
    whose rows agree with those of most of the pool; the others get no ``ensv`` score and are
    returned with the reason, for the command to say which runs it skipped and why."""
    found, skipped = [], []
    for checkpoint in pool:
        stored = predictions_of(checkpoint)
        if stored is None:
            skipped.append((checkpoint, "no stored target predictions (predictions.npz) for this epoch"))
        else:
            found.append((checkpoint, stored))
    if not found:
        return skipped
    signatures = [(rows.size, hash(rows.tobytes())) for _, (rows, _) in found]
    common = max(set(signatures), key=signatures.count)
    members = []
    for (checkpoint, (rows, probs)), signature in zip(found, signatures):
        if signature == common:
            members.append((checkpoint, probs))
        else:
            skipped.append(
                (
                    checkpoint,
                    f"different task: its predictions cover another target set ({rows.size} images, against "
                    f"{common[0]} for the rest of the task)",
                )
            )
    for (checkpoint, _), score in zip(members, ensv_scores([probs for _, probs in members])):
        checkpoint.scores["ensv"] = float(score)
    return skipped


def mean_of(values: list[Optional[float]]) -> Optional[float]:
    """Mean of the finite values; None when there is none."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    return float(np.mean(finite)) if finite else None


def max_of(values: list[Optional[float]]) -> Optional[float]:
    """Largest finite value; None when there is none."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    return float(max(finite)) if finite else None


def estimate_error(checkpoints: list[Checkpoint], name: str) -> Optional[float]:
    """Mean absolute error, in points, of the accuracy estimate ``name`` (``atc``, ``doc``)
    against the target accuracy over the candidates that have both; None if none has."""
    errors = [
        abs(c.estimates[name] - c.accuracy)
        for c in checkpoints
        if c.accuracy is not None and name in c.estimates and math.isfinite(c.estimates[name])
    ]
    return 100.0 * float(np.mean(errors)) if errors else None
