"""What a run returns to a Hydra sweeper: the score of the ``objective`` key — never the target
accuracy unless asked for by name.

``objective`` (top level of ``conf/train.yaml``) names a rule (:mod:`dalearn.selection.rules`):

- ``selection`` (the default): the run's selection rule — the score that rule maximises, at the
  epoch it picked (``ima``: ``val/score/ima``; ``src_val``: the hold-out accuracy; ``atc``: the
  estimated target accuracy). When the selection rule has no label-free score to offer —
  ``oracle`` (the target labels) or ``last`` (an epoch number) — the objective is ``atc``
  instead: the estimated target accuracy of the epoch ATC picks, no target label used;
- any epoch rule by name (``ima``, ``atc``, ``mixval``, …): that rule's score at the epoch it
  picks (whatever the run's own selection);
- ``oracle``: the target accuracy at the oracle's epoch — uses the target labels, and is logged
  as such; only for studies of the search itself.

Every value is oriented so that higher is better: a sweeper maximises it
(``hydra.sweeper.direction: maximize``).
"""

from __future__ import annotations

import logging
import math
from typing import Any, Mapping

from dalearn.selection.epoch_pick import select
from dalearn.selection.rules import DEFAULT_ORACLE_METRIC, Rule, get_rule

SELECTION = "selection"
FALLBACK = "atc"
log = logging.getLogger("dalearn")


def objective_rule(objective: str, selection: str) -> Rule:
    """The rule whose score is returned for ``objective`` given the run's ``selection`` rule."""
    objective = str(objective or SELECTION)
    if objective == SELECTION:
        rule = get_rule(selection)
        return get_rule(FALLBACK) if rule.uses_target_labels or rule.name == "last" else rule
    rule = get_rule(objective)
    if not rule.per_epoch:
        raise ValueError(
            f"objective={objective} ranks a whole sweep's checkpoints against each other; a run cannot return it. "
            "Choose an epoch rule (objective=selection, atc, ima, …)"
        )
    if rule.name == "last":
        raise ValueError("objective=last is an epoch number, not a score; choose objective=selection, atc, ima, …")
    return rule


def objective_value(metrics: Mapping[str, Any], objective: str) -> tuple[float, str]:
    """``(value, words)``: the number to return to the sweeper from a run's ``metrics.json`` and
    what it is, for the log. A rule the run did not record raises a ValueError saying what to do."""
    selection = str(metrics.get("selection") or "oracle")
    rule = objective_rule(objective, selection)
    oracle_metric = str(metrics.get("oracle_metric") or DEFAULT_ORACLE_METRIC)
    history = metrics.get("history") or []
    try:
        record = select(history, rule, oracle_metric)
    except ValueError as error:
        if str(objective or SELECTION) != SELECTION:
            raise
        log.warning("no objective to return to a sweeper: %s", error)
        return float("nan"), f"nothing ({rule.name} was not recorded)"
    value = rule.value(record, oracle_metric)
    value = float("nan") if value is None else value
    if rule.uses_target_labels:
        log.warning(
            "objective=oracle: returning the target accuracy (%.4f) — this search uses the target labels", value
        )
        words = f"target accuracy at the oracle epoch {record['epoch']} (uses the target labels)"
    else:
        words = f"{rule.name} score at the epoch it picks ({record['epoch']}), no target label used"
    if math.isnan(value):
        log.warning("objective %s is NaN for this run (%s)", rule.name, words)
    return value, words
