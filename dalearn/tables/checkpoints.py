"""Every evaluated checkpoint of a sweep — one per (finished run, evaluated epoch) — with its
label-free scores and, where the target labels exist, its target accuracy. Read from the
runs' ``metrics.json`` histories only: nothing is recomputed.

Scores by name: each validator ``<name>`` recorded as ``val/score/<name>``, plus the rules
``src_val`` (the accuracy on the labelled source hold-out, ``val/src_acc``), ``last`` (the
epoch number: later is better) and ``oracle`` (the target accuracy itself, the upper bound).
The target accuracy is the one the tables report (``test/tgt_*`` when the data has a
separate target test set, ``val/tgt_*`` otherwise), in the dataset's headline metric.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Optional

from dalearn.run.selection import SCORE_PREFIX
from dalearn.tables.reference import dataset_info
from dalearn.tables.runs import Run

#: selection rules that are not validators, and the history key each one ranks by.
RULE_KEYS = {"src_val": "val/src_acc", "last": "epoch"}
ORACLE = "oracle"


@dataclass(frozen=True)
class Checkpoint:
    """One evaluated epoch of one run: ``scores`` by rule name, ``accuracy`` a fraction or
    None without target labels."""

    run: Run
    epoch: int
    step: int
    accuracy: Optional[float]
    scores: dict[str, float] = field(default_factory=dict)

    @property
    def task(self) -> tuple[str, str]:
        return (self.run.dataset, self.run.task)


def headline_metric(dataset: str) -> str:
    """``tgt_acc``, or the dataset's published headline (VisDA-2017: ``tgt_mean_class_acc``)."""
    info = dataset_info(dataset)
    return info.metric if info is not None else "tgt_acc"


def _number(value: Any) -> Optional[float]:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _accuracy(record: dict[str, Any], metric: str) -> Optional[float]:
    for stage in ("test", "val"):
        value = _number(record.get(f"{stage}/{metric}"))
        if value is not None and math.isfinite(value):
            return value
    return None


def record_scores(record: dict[str, Any], accuracy: Optional[float]) -> dict[str, float]:
    """The scores of one history record by rule name (see the module doc)."""
    scores = {
        key[len(SCORE_PREFIX) :]: float(value)
        for key, value in record.items()
        if key.startswith(SCORE_PREFIX) and _number(value) is not None
    }
    for rule, key in RULE_KEYS.items():
        if _number(record.get(key)) is not None:
            scores[rule] = float(record[key])
    if accuracy is not None:
        scores[ORACLE] = accuracy
    return scores


def run_checkpoints(run: Run) -> list[Checkpoint]:
    """The checkpoints of one finished run (none for an unfinished one)."""
    if not run.finished:
        return []
    metric = headline_metric(run.dataset)
    found = []
    for record in run.metrics.get("history") or []:
        accuracy = _accuracy(record, metric)
        found.append(
            Checkpoint(
                run=run,
                epoch=int(record["epoch"]),
                step=int(record.get("step", 0)),
                accuracy=accuracy,
                scores=record_scores(record, accuracy),
            )
        )
    return found


def read_checkpoints(runs: list[Run]) -> dict[tuple[str, str], list[Checkpoint]]:
    """(dataset, task) → its checkpoints, in run-path then epoch order."""
    by_task: dict[tuple[str, str], list[Checkpoint]] = {}
    for run in sorted(runs, key=lambda r: str(r.path)):
        for checkpoint in run_checkpoints(run):
            by_task.setdefault(checkpoint.task, []).append(checkpoint)
    return by_task
