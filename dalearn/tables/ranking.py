"""Choosing across runs: per task, rank every checkpoint of a sweep by one rule's score and
report what a user needs to pick the model to deploy.

For a task with checkpoints c_1..c_n (methods × hyperparameters × seeds × epochs):

- the **pick** is the checkpoint with the highest score (ties: the first in run-path and
  epoch order; when several tie on the best score, the pick's accuracy is the *mean* of
  theirs — what a random choice among them gets on average — and ``tied`` says how many);
- the **oracle** is the checkpoint with the best target accuracy;
- **regret** = 100 · (oracle accuracy − pick accuracy), in points (0 is perfect);
- **weighted Spearman** is :func:`dalearn.tables.weighted_spearman.weighted_spearman` of the
  scores and the accuracies over all n checkpoints.

Without target labels a task still gets its pick; regret and correlation are then None.
The average row is the mean over the tasks that have each number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

from dalearn.tables.checkpoints import Checkpoint
from dalearn.tables.errors import CollectError
from dalearn.tables.reference import dataset_info
from dalearn.tables.weighted_spearman import weighted_spearman


@dataclass(frozen=True)
class TaskChoice:
    """The outcome of ranking one task's checkpoints by ``rule``."""

    dataset: str
    task: str
    label: str
    rule: str
    checkpoints: int
    pick: Checkpoint
    tied: int
    pick_accuracy: Optional[float]
    oracle: Optional[Checkpoint]
    regret: Optional[float]
    correlation: Optional[float]


def task_label(checkpoint: Checkpoint) -> str:
    """The task as the tables name it (``Digits → Digits-drift``); ``<dataset> <source> →
    <target>`` for a dataset the tables do not know."""
    run = checkpoint.run
    info = dataset_info(run.dataset)
    if run.source and run.target and info is not None:
        return f"{info.label(run.source)} → {info.label(run.target)}"
    if run.source and run.target:
        return f"{run.dataset} {run.source} → {run.target}"
    return f"{run.dataset} {run.task}".strip()


def rules_recorded(checkpoints: list[Checkpoint]) -> list[str]:
    """The rules every checkpoint has a score for, in the order oracle, src_val, last, validators."""
    if not checkpoints:
        return []
    common = set.intersection(*(set(c.scores) for c in checkpoints))
    fixed = [rule for rule in ("oracle", "src_val", "last") if rule in common]
    return fixed + sorted(common - set(fixed))


def _missing_rule(rule: str, checkpoints: list[Checkpoint], label: str) -> CollectError:
    lacking = [c for c in checkpoints if rule not in c.scores]
    example = lacking[0]
    recorded = rules_recorded(checkpoints)
    return CollectError(
        f"{label}: {len(lacking)} of {len(checkpoints)} checkpoints have no {rule!r} score "
        f"(e.g. {example.run.path}, epoch {example.epoch}); the scores every checkpoint recorded: "
        f"{', '.join(recorded) or 'none'}. Rank by one of those, or retrain the runs with validators=[...,{rule}]"
    )


def choose(checkpoints: list[Checkpoint], rule: str) -> TaskChoice:
    """Rank one task's ``checkpoints`` by ``rule`` (see the module doc)."""
    if not checkpoints:
        raise CollectError("no finished checkpoint to rank")
    label = task_label(checkpoints[0])
    if any(rule not in c.scores for c in checkpoints):
        raise _missing_rule(rule, checkpoints, label)
    scores = np.array([c.scores[rule] for c in checkpoints], dtype=np.float64)
    ranked = np.where(np.isfinite(scores), scores, -np.inf)
    best = ranked.max()
    top = [i for i in range(len(checkpoints)) if ranked[i] == best]
    pick = checkpoints[top[0]]
    labelled = all(c.accuracy is not None for c in checkpoints)
    pick_accuracy = float(np.mean([checkpoints[i].accuracy for i in top])) if labelled else None
    oracle = regret = correlation = None
    if labelled:
        accuracies = np.array([c.accuracy for c in checkpoints], dtype=np.float64)
        oracle = checkpoints[int(np.argmax(accuracies))]
        regret = 100.0 * (oracle.accuracy - pick_accuracy)
        correlation = weighted_spearman(scores, accuracies) if np.isfinite(scores).any() else float("nan")
    return TaskChoice(
        dataset=pick.run.dataset,
        task=pick.run.task,
        label=label,
        rule=rule,
        checkpoints=len(checkpoints),
        pick=pick,
        tied=len(top),
        pick_accuracy=pick_accuracy,
        oracle=oracle,
        regret=regret,
        correlation=correlation,
    )


def mean_of(values: list[Optional[float]]) -> Optional[float]:
    """Mean of the finite values; None when there is none."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    return float(np.mean(finite)) if finite else None


def choose_all(by_task: dict[tuple[str, str], list[Checkpoint]], rule: str) -> list[TaskChoice]:
    """One :class:`TaskChoice` per task, in task order."""
    return [choose(by_task[key], rule) for key in sorted(by_task)]
