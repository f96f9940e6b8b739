"""Model selection over a run's per-epoch evaluation history.

Rules (``selection=`` on the command line):

- ``oracle``  — the epoch with the best target accuracy on ``val/tgt_acc`` (the target
  labels; this is how the published tables were made — always say so). A dataset whose
  headline number is another metric names it (VisDA-2017: ``data.oracle_metric:
  val/tgt_mean_class_acc``, as its published tables select on the per-class mean);
- ``src_val`` — the epoch with the best accuracy on the held-out source split;
- ``last``    — the final epoch;
- ``<validator>`` — any name of :mod:`dalearn.validators` (``ima``, ``entropy``, ``bnm``,
  ``snd``, ``src_acc``, ``dev``, ``devn``, ``class_ami``): the epoch with the best label-free
  score ``val/score/<validator>`` (higher = predicted better), recorded every epoch.

The run computes the validators listed in the top-level ``validators`` key plus the one the
selection rule names (:func:`validator_names`). The reported target numbers are
``test/tgt_*`` when the data has a separate target test set (DomainNet, the offline
datasets' held-out split) and ``val/tgt_*`` otherwise. Ties go to the earliest epoch.
"""

from __future__ import annotations

import logging
import math
from typing import Any, Mapping, Sequence

RULES = {"oracle": "val/tgt_acc", "src_val": "val/src_acc", "last": None}
SCORE_PREFIX = "val/score/"

log = logging.getLogger("dalearn")


def available() -> dict:
    """The validator registry (:func:`dalearn.validators.available`). Imported on first use:
    the result tables and ``dalearn-select`` read this module's keys without loading torch."""
    from dalearn.validators import available as registry

    return registry()


def requires_source_holdout(names: Sequence[str]) -> list[str]:
    """:func:`dalearn.validators.requires_source_holdout`, imported on first use (see :func:`available`)."""
    from dalearn.validators import requires_source_holdout as needing

    return needing(names)


def score_key(name: str) -> str:
    """The history key of validator ``name``'s score: ``val/score/<name>``."""
    return f"{SCORE_PREFIX}{name}"


def recorded_scores(history: Sequence[Mapping[str, Any]]) -> list[str]:
    """The validator names whose score every record of ``history`` holds, sorted."""
    if not history:
        return []
    common = set.intersection(*(set(record) for record in history))
    return sorted(key[len(SCORE_PREFIX) :] for key in common if key.startswith(SCORE_PREFIX))


def rule_key(rule: str, oracle_metric: str = RULES["oracle"]) -> str | None:
    """The history key ``rule`` maximises (None for ``last``); a ValueError naming the
    rules and validators for an unknown rule."""
    if rule in RULES:
        return oracle_metric if rule == "oracle" else RULES[rule]
    if rule in available():
        return score_key(rule)
    raise ValueError(
        f"unknown selection rule {rule!r}; expected one of {sorted(RULES)} or a validator: {', '.join(available())}"
    )


def _missing(history: Sequence[Mapping[str, Any]], rule: str, key: str) -> ValueError:
    scores = recorded_scores(history)
    recorded = (
        f"it recorded the validator scores {', '.join(scores)} (selection=<name> picks by one of them)"
        if scores
        else "it recorded no validator score"
    )
    hint = (
        "set data.source_holdout > 0 for source-validation selection"
        if key == RULES["src_val"]
        else f"add {rule} to the run's validators (validators=[...,{rule}]) and train it again"
    )
    return ValueError(f"selection={rule} needs {key!r}, which this run did not record; {recorded}; {hint}")


def select(history: Sequence[dict[str, Any]], rule: str, oracle_metric: str = RULES["oracle"]) -> dict[str, Any]:
    """The history record chosen by ``rule`` (``oracle`` maximises ``oracle_metric``)."""
    key = rule_key(rule, oracle_metric)
    if not history:
        raise ValueError("the run has no evaluation history to select from (did training run an epoch?)")
    if key is None:
        return dict(history[-1])
    if any(key not in record for record in history):
        raise _missing(history, rule, key)
    best = max(range(len(history)), key=lambda i: (_finite(history[i][key]), -i))
    return dict(history[best])


def _finite(value: Any) -> float:
    """A score to maximise; NaN ranks below every number."""
    value = float(value)
    return float("-inf") if math.isnan(value) else value


def report(record: dict[str, Any], score: str | None = None) -> dict[str, Any]:
    """The numbers a table shows for one selected record (with the validator ``score``
    that chose it, if any)."""
    stage = "test" if "test/tgt_acc" in record else "val"
    out = {
        "epoch": int(record["epoch"]),
        "step": int(record["step"]),
        "tgt_acc": record[f"{stage}/tgt_acc"],
        "tgt_mean_class_acc": record[f"{stage}/tgt_mean_class_acc"],
        "tgt_eval_split": "target_test" if stage == "test" else "target_val",
    }
    if "val/src_acc" in record:
        out["src_acc"] = record["val/src_acc"]
    if score is not None:
        out["score"] = record[score_key(score)]
    return out


def summarize(history: Sequence[dict[str, Any]], rule: str, oracle_metric: str = RULES["oracle"]) -> dict[str, Any]:
    """``metrics.json`` content: the chosen rule's numbers, every applicable rule's (one
    entry per recorded validator), the history."""
    keys = {**RULES, "oracle": oracle_metric}
    by_rule = {}
    for name, key in keys.items():
        if key is None or all(key in record for record in history):
            by_rule[name] = report(select(history, name, oracle_metric))
    for name in recorded_scores(history):
        if name in available():
            by_rule[name] = report(select(history, name, oracle_metric), score=name)
    chosen = report(select(history, rule, oracle_metric), score=rule if rule not in RULES else None)
    return {
        "selection": rule,
        **chosen,
        "oracle_metric": oracle_metric,
        "by_selection": by_rule,
        "history": list(history),
    }


def _holdout(cfg: Mapping[str, Any]) -> float:
    """The share of the source held out for validation; 1.0 when a separate labelled source
    validation set is given (``data.source.val``)."""
    data = cfg.get("data") or {}
    source = data.get("source") or {}
    if isinstance(source, Mapping) and source.get("val") is not None:
        return 1.0
    return float(data.get("source_holdout") or 0.0)


def has_source_holdout(cfg: Mapping[str, Any]) -> bool:
    """Whether the run evaluates a labelled source split (``data.source_holdout > 0`` or ``data.source.val``)."""
    return _holdout(cfg) > 0


def validator_names(cfg: Mapping[str, Any]) -> list[str]:
    """The validators a run computes every epoch: the top-level ``validators`` list plus the
    one ``selection.rule`` names. Those that need a labelled source hold-out are left out
    (with a log line) when ``data.source_holdout`` is 0 — except the selection rule, which
    :func:`check_validators` refuses before training instead."""
    names = list(dict.fromkeys(str(name) for name in (cfg.get("validators") or [])))
    rule = str((cfg.get("selection") or {}).get("rule") or "")
    if rule not in RULES and rule in available() and rule not in names:
        names.append(rule)
    if _holdout(cfg) > 0:
        return names
    skipped = [name for name in requires_source_holdout(names) if name != rule]
    if skipped:
        log.info("not recording %s: they need a labelled source hold-out (data.source_holdout > 0)", ", ".join(skipped))
    return [name for name in names if name not in skipped]


def check_validators(cfg: Mapping[str, Any]) -> None:
    """Refuse, before any work, unknown validator names and a selection rule that needs a
    labelled source hold-out (``src_acc``, ``dev``, ``devn``) when ``data.source_holdout`` is 0."""
    names = [str(name) for name in (cfg.get("validators") or [])]
    rule = str((cfg.get("selection") or {}).get("rule") or "")
    known = available()
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"validators={unknown} are not validators; choose from {', '.join(known)}")
    rule_key(rule)
    if rule in known and requires_source_holdout([rule]) and not _holdout(cfg) > 0:
        raise ValueError(
            f"selection={rule} scores the labelled source hold-out, but data.source_holdout="
            f"{(cfg.get('data') or {}).get('source_holdout')}: set data.source_holdout to a fraction such as 0.1, "
            "or choose a target-only validator (selection=ima, entropy, bnm, snd, class_ami) or selection=last"
        )
