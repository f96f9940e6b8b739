"""What a run's selection rule asks of its configuration, checked before any work.

The rules themselves (what each ranks by, the per-run pick, the sweep ranking) live in
:mod:`dalearn.selection`; ``selection=<name>`` (``conf/selection/<name>.yaml``: ``rule: <name>``)
names one. Here, the harness's side:

- :func:`validator_names` — the validators a run computes every epoch: the top-level
  ``validators`` list plus the one the selection rule names;
- :func:`check_validators` — unknown names, and rules the data or the callbacks cannot serve
  (a source hold-out for ``src_val``/``src_acc``/``dev``/``devn``/``atc``/``doc``, the mixval
  callback for ``mixval``, a sweep-level rule such as ``ensv``), refused before training.
"""

from __future__ import annotations

import logging
from typing import Any, Mapping, Sequence

from dalearn.selection import get_rule
from dalearn.selection.objective import SELECTION, objective_rule

log = logging.getLogger("dalearn")

#: the rules that need the labelled source hold-out, besides the validators that declare it.
NEEDS_SOURCE = ("src_val", "atc", "doc")


def available() -> dict:
    """The validator registry (:func:`dalearn.validators.available`), imported on first use."""
    from dalearn.validators import available as registry

    return registry()


def requires_source_holdout(names: Sequence[str]) -> list[str]:
    """:func:`dalearn.validators.requires_source_holdout`, imported on first use."""
    from dalearn.validators import requires_source_holdout as needing

    return needing(names)


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


def _rule_name(cfg: Mapping[str, Any]) -> str:
    return str((cfg.get("selection") or {}).get("rule") or "")


def validator_names(cfg: Mapping[str, Any]) -> list[str]:
    """The validators a run computes every epoch: the top-level ``validators`` list plus the
    one ``selection.rule`` names (and the one ``objective`` names). Those that need a labelled source hold-out are left out
    (with a log line) when ``data.source_holdout`` is 0 — except the selection rule, which
    :func:`check_validators` refuses before training instead."""
    names = list(dict.fromkeys(str(name) for name in (cfg.get("validators") or [])))
    rule = _rule_name(cfg)
    known = available()
    for wanted in (rule, str(cfg.get("objective") or "")):
        if wanted in known and wanted not in names:
            names.append(wanted)
    if _holdout(cfg) > 0:
        return names
    skipped = [name for name in requires_source_holdout(names) if name != rule]
    if skipped:
        log.info("not recording %s: they need a labelled source hold-out (data.source_holdout > 0)", ", ".join(skipped))
    return [name for name in names if name not in skipped]


def check_validators(cfg: Mapping[str, Any]) -> None:
    """Refuse, before any work, unknown validator names and a selection rule the run cannot
    record (see the module doc)."""
    names = [str(name) for name in (cfg.get("validators") or [])]
    rule_name = _rule_name(cfg)
    known = available()
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"validators={unknown} are not validators; choose from {', '.join(known)}")
    rule = get_rule(rule_name)
    if not rule.per_epoch:
        raise ValueError(
            f"selection={rule_name} ranks a whole sweep's checkpoints against each other (dalearn-select --by "
            f"{rule_name} after the sweep); a run picks its own epoch by an epoch rule: selection=ima, atc, mixval, …"
        )
    needs_source = rule_name in NEEDS_SOURCE or (rule_name in known and requires_source_holdout([rule_name]))
    if needs_source and not _holdout(cfg) > 0:
        raise ValueError(
            f"selection={rule_name} scores the labelled source hold-out, but data.source_holdout="
            f"{(cfg.get('data') or {}).get('source_holdout')}: set data.source_holdout to a fraction such as 0.1, "
            "or give data.source.val, or choose a target-only rule (selection=ima, entropy, bnm, snd, class_ami, "
            "mixval) or selection=last"
        )
    if rule_name.startswith("mixval") and not (cfg.get("callbacks") or {}).get("mixval"):
        raise ValueError(
            f"selection={rule_name} is computed by the mixval callback, which this configuration removed "
            "(callbacks.mixval is null): keep callbacks.mixval, or choose another rule"
        )


def check_objective(cfg: Mapping[str, Any]) -> None:
    """Refuse, before any work, an ``objective`` that is not a rule a run can return, or one
    that needs a source hold-out the data does not have (the default, ``selection``, never
    stops a run: without a score to return it returns NaN and says so)."""
    objective = str(cfg.get("objective") or SELECTION)
    rule = objective_rule(objective, _rule_name(cfg) or "oracle")
    if objective == SELECTION:
        return
    known = available()
    needs_source = rule.name in NEEDS_SOURCE or (rule.name in known and requires_source_holdout([rule.name]))
    if needs_source and not _holdout(cfg) > 0:
        raise ValueError(
            f"objective={objective} needs the labelled source hold-out, but data.source_holdout="
            f"{(cfg.get('data') or {}).get('source_holdout')}: set data.source_holdout > 0 or choose a target-only "
            "objective (ima, bnm, mixval, …)"
        )
    if rule.name.startswith("mixval") and not (cfg.get("callbacks") or {}).get("mixval"):
        raise ValueError(f"objective={objective} is computed by the mixval callback, which callbacks.mixval removed")
