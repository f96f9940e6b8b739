"""A candidate of a sweep: one evaluated epoch of one finished run, with its score under every
rule its history record allows, its target accuracy (where the labels exist), its accuracy
estimates and its collapse flag. Built from a ``metrics.json`` history record; nothing is
recomputed.

Scores by rule name: each ``val/score/<name>`` as ``<name>``; the fixed rules by their keys
(``src_val`` ← ``val/src_acc``, ``last`` ← ``epoch``, ``atc`` ← ``val/est/atc``, ``doc`` ←
``val/est/doc``); ``oracle`` ← the target accuracy the tables report (``test/tgt_*`` when the
data has a separate target test set, ``val/tgt_*`` otherwise, in the dataset's headline metric).
``ensv`` is filled in by :func:`dalearn.selection.sweep_ranking.add_ensv` for a pool of
candidates, from their stored predictions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional

from dalearn.selection.collapse import flagged
from dalearn.selection.rules import ESTIMATE_PREFIX, KEY_RULES, SCORE_PREFIX

ORACLE = "oracle"


@dataclass
class Checkpoint:
    """One evaluated epoch of one run. ``run`` is the reader's record of the run (the tables'
    :class:`~dalearn.tables.runs.Run`: its path, method, seed, configuration); ``task`` the task
    identity the run records; ``accuracy`` a fraction, or None without target labels;
    ``trains_on`` the scores the run's method maximises in its loss (``metrics.json``'s
    ``trains_on``), which may not pick it (:mod:`dalearn.selection.sweep_ranking`)."""

    run: Any
    epoch: int
    step: int
    accuracy: Optional[float]
    task: tuple = ()
    scores: dict[str, float] = field(default_factory=dict)
    estimates: dict[str, float] = field(default_factory=dict)
    flagged: bool = False
    trains_on: frozenset[str] = frozenset()


def _number(value: Any) -> Optional[float]:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def record_accuracy(record: Mapping[str, Any], metric: str = "tgt_acc") -> Optional[float]:
    """The reported target ``metric`` of one record: ``test/<metric>``, else ``val/<metric>``."""
    for stage in ("test", "val"):
        value = _number(record.get(f"{stage}/{metric}"))
        if value is not None and math.isfinite(value):
            return value
    return None


def record_scores(record: Mapping[str, Any], accuracy: Optional[float]) -> dict[str, float]:
    """The scores of one history record by rule name (see the module doc)."""
    scores = {
        key[len(SCORE_PREFIX) :]: float(value)
        for key, value in record.items()
        if key.startswith(SCORE_PREFIX) and _number(value) is not None
    }
    for key, rule in KEY_RULES.items():
        if _number(record.get(key)) is not None:
            scores[rule] = float(record[key])
    if accuracy is not None:
        scores[ORACLE] = accuracy
    return scores


def record_estimates(record: Mapping[str, Any]) -> dict[str, float]:
    """The accuracy estimates of one record by name (``atc``, ``doc``)."""
    return {
        key[len(ESTIMATE_PREFIX) :]: float(value)
        for key, value in record.items()
        if key.startswith(ESTIMATE_PREFIX) and _number(value) is not None
    }


def checkpoint_of(
    run: Any, record: Mapping[str, Any], task: tuple, metric: str = "tgt_acc", trains_on: Iterable[str] = ()
) -> Checkpoint:
    """The candidate of one history ``record`` of ``run``; ``trains_on``: the run's record of the
    scores its method maximises."""
    accuracy = record_accuracy(record, metric)
    return Checkpoint(
        run=run,
        epoch=int(record["epoch"]),
        step=int(record.get("step", 0)),
        accuracy=accuracy,
        task=task,
        scores=record_scores(record, accuracy),
        estimates=record_estimates(record),
        flagged=flagged(record),
        trains_on=frozenset(trains_on),  # the caller's frozenset itself when it passes one
    )
