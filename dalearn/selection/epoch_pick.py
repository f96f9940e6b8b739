"""A run picks its epoch: the one picker behind ``metrics.json`` and ``checkpoints/best.ckpt``.

Over a run's per-epoch history (one record per evaluated epoch), rule ``R`` (a
:class:`~dalearn.selection.rules.Rule` with ``scope == "epoch"``) picks the record with the
highest ``R.value(record)``:

- a record flagged as collapsed is never picked while an unflagged one exists (the collapse
  contract, :mod:`dalearn.selection.collapse`; ``oracle`` is exempt);
- NaN ranks below every number; ties go to the earliest epoch;
- ``last`` ranks by the epoch number, so it is the final (unflagged) epoch.

Adding a record can only make the new record the pick or keep the old one (the order above is
total and does not depend on the other records), so a run that saves ``best.ckpt`` whenever the
newest record becomes the pick (:class:`dalearn.run.best_checkpoint.BestCheckpoint`) always holds
the weights of the epoch ``metrics.json`` names.

The reported target numbers are ``test/tgt_*`` when the data has a separate target test set
(DomainNet, the offline datasets' held-out split) and ``val/tgt_*`` otherwise.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from dalearn.selection.collapse import COLLAPSE_FLAG, eligible, flagged
from dalearn.selection.rules import DEFAULT_ORACLE_METRIC, FIXED_RULES, SCORE_PREFIX, Rule, finite, get_rule

History = Sequence[Mapping[str, Any]]


def recorded_scores(history: History) -> list[str]:
    """The validator names whose score every record of ``history`` holds, sorted."""
    if not history:
        return []
    common = set.intersection(*(set(record) for record in history))
    return sorted(key[len(SCORE_PREFIX) :] for key in common if key.startswith(SCORE_PREFIX))


def _missing(history: History, rule: Rule, key: str) -> ValueError:
    scores = recorded_scores(history)
    recorded = (
        f"it recorded the validator scores {', '.join(scores)} (selection=<name> picks by one of them)"
        if scores
        else "it recorded no validator score"
    )
    if rule.name == "src_val":
        hint = "set data.source_holdout > 0 for source-validation selection"
    elif rule.name in ("atc", "doc"):
        hint = "the accuracy estimates need a labelled source hold-out: set data.source_holdout > 0"
    elif rule.name.startswith("mixval"):
        hint = "MixVal is computed by the mixval callback (callbacks.mixval): keep it in the run's callbacks"
    else:
        hint = f"add {rule.name} to the run's validators (validators=[...,{rule.name}]) and train it again"
    return ValueError(f"selection={rule.name} needs {key!r}, which this run did not record; {recorded}; {hint}")


def pick_index(history: History, rule: str | Rule, oracle_metric: str = DEFAULT_ORACLE_METRIC) -> int:
    """The index in ``history`` of the record ``rule`` picks (see the module doc)."""
    rule = rule if isinstance(rule, Rule) else get_rule(rule)
    if not rule.per_epoch:
        raise ValueError(
            f"selection={rule.name} ranks a whole sweep's checkpoints against each other (dalearn-select --by "
            f"{rule.name}); a single run cannot pick its epoch by it — choose an epoch rule such as ima or atc"
        )
    if not history:
        raise ValueError("the run has no evaluation history to select from (did training run an epoch?)")
    key = rule.key_for(oracle_metric)
    if any(key not in record for record in history):
        raise _missing(history, rule, key)
    allowed = [True] * len(history) if rule.uses_target_labels else eligible([flagged(r) for r in history])
    return max(range(len(history)), key=lambda i: (allowed[i], finite(rule.value(history[i], oracle_metric)), -i))


def select(history: History, rule: str | Rule, oracle_metric: str = DEFAULT_ORACLE_METRIC) -> dict[str, Any]:
    """The history record chosen by ``rule`` (``oracle`` maximises ``oracle_metric``)."""
    return dict(history[pick_index(history, rule, oracle_metric)])


def report(record: Mapping[str, Any], rule: Rule | None = None) -> dict[str, Any]:
    """The numbers a table shows for one selected record: the epoch, the target accuracies, the
    source hold-out accuracy, the accuracy estimates (``est_atc``, ``est_doc``; no target label
    used), the collapse flag, and the ``score`` of the label-free ``rule`` that chose it (none for
    ``oracle``, whose score is the target accuracy, and ``last``)."""
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
    for name in ("atc", "doc"):
        value = FIXED_RULES[name].value(record)
        if value is not None:
            out[f"est_{name}"] = value
    if COLLAPSE_FLAG in record:
        out["collapse_flag"] = int(flagged(record))
    if rule is not None and not rule.uses_target_labels and rule.name != "last":
        out["score"] = rule.value(record)
    return out


def epoch_rules(history: History, oracle_metric: str = DEFAULT_ORACLE_METRIC) -> list[Rule]:
    """The epoch rules every record of ``history`` can be ranked by: the fixed ones whose key is
    recorded and every recorded validator score."""
    if not history:
        return []
    common = set.intersection(*(set(record) for record in history))
    found = [r for r in FIXED_RULES.values() if r.per_epoch and r.key_for(oracle_metric) in common]
    named = {rule.name for rule in found}
    for name in recorded_scores(history):
        if name not in named:
            found.append(Rule(name, f"{SCORE_PREFIX}{name}", "", ""))
    return found


def summarize(history: History, rule: str, oracle_metric: str = DEFAULT_ORACLE_METRIC) -> dict[str, Any]:
    """``metrics.json`` content: the chosen rule's numbers, every applicable rule's (one entry
    per recorded score), the history."""
    chosen_rule = get_rule(rule)
    by_rule = {r.name: report(select(history, r, oracle_metric), r) for r in epoch_rules(history, oracle_metric)}
    chosen = report(select(history, chosen_rule, oracle_metric), chosen_rule)
    return {
        "selection": rule,
        **chosen,
        "oracle_metric": oracle_metric,
        "by_selection": by_rule,
        "history": list(history),
    }
