"""Every evaluated checkpoint of a sweep — one per (finished run, evaluated epoch) — read from
the runs' ``metrics.json`` histories as :class:`dalearn.selection.candidates.Checkpoint`s (their
scores under every rule, target accuracy, accuracy estimates, collapse flag); nothing is
recomputed. The target accuracy is the one the tables report, in the dataset's headline metric.

A run's **task identity** is what the run records: its data family, its task key and its data
configuration's name (``data.name``) — two runs are one task only when all three agree, so
runs on different target sets are never ranked together under a shared family name.
"""

from __future__ import annotations

from dalearn.selection.candidates import Checkpoint, checkpoint_of
from dalearn.tables.reference import dataset_info
from dalearn.tables.runs import Run

__all__ = ["Checkpoint", "headline_metric", "read_checkpoints", "run_checkpoints", "task_identity"]


def headline_metric(dataset: str) -> str:
    """``tgt_acc``, or the dataset's published headline (VisDA-2017: ``tgt_mean_class_acc``)."""
    info = dataset_info(dataset)
    return info.metric if info is not None else "tgt_acc"


def task_identity(run: Run) -> tuple[str, str, str]:
    """(data family, task key, data name) of a run (see the module doc)."""
    return (run.dataset, run.task, run.data_name)


def run_checkpoints(run: Run) -> list[Checkpoint]:
    """The checkpoints of one finished run (none for an unfinished one)."""
    if not run.finished:
        return []
    metric = headline_metric(run.dataset)
    task = task_identity(run)
    trains_on = frozenset(str(name) for name in run.metrics.get("trains_on") or ())  # once per run
    return [checkpoint_of(run, record, task, metric, trains_on) for record in run.metrics.get("history") or []]


def read_checkpoints(runs: list[Run]) -> dict[tuple, list[Checkpoint]]:
    """task identity → its checkpoints, in run-path then epoch order."""
    by_task: dict[tuple, list[Checkpoint]] = {}
    for run in sorted(runs, key=lambda r: str(r.path)):
        for checkpoint in run_checkpoints(run):
            by_task.setdefault(checkpoint.task, []).append(checkpoint)
    return by_task
