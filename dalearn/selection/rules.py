"""The selection rules: one :class:`Rule` object per rule, the one place that says what a rule
ranks by.

A rule has a ``name`` (``selection=<name>``, ``dalearn-select --by <name>``), the history
``key`` it maximises (``val/score/ima``, ``val/src_acc``, ``val/est/atc``, ``epoch`` …), what it
``needs`` to be computed, its ``direction`` (always ``max``: every score dalearn records is
oriented so that higher = predicted better; losses and risks are negated where they are
computed), a one-line ``description``, whether it uses the target labels (only ``oracle``) and
its ``scope``:

- ``epoch`` — a number recorded for every evaluated epoch, so a run can pick its own epoch by it
  (``selection=<name>``; :mod:`dalearn.selection.epoch_pick`) and a sweep can rank its
  checkpoints by it;
- ``sweep`` — a score that exists only relative to the other candidates of a task: ``ensv``
  (:mod:`dalearn.selection.ensv`), computed by ``dalearn-select`` from the target predictions
  every run stores (:mod:`dalearn.selection.predictions`).

The fixed rules are below; every validator of :mod:`dalearn.validators` is a rule too, built
from its class (its ``name``, ``inputs``, ``needs_source`` and the first line of its
docstring) the first time one is asked for — importing the validators loads torch, which the
result tables and ``dalearn-select`` otherwise never need.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Optional

SCORE_PREFIX = "val/score/"
ESTIMATE_PREFIX = "val/est/"
#: the history key the oracle maximises unless the data names another (VisDA-2017: the per-class mean).
DEFAULT_ORACLE_METRIC = "val/tgt_acc"


@dataclass(frozen=True)
class Rule:
    """One selection rule (see the module doc)."""

    name: str
    key: Optional[str]
    needs: str
    description: str
    direction: str = "max"
    uses_target_labels: bool = False
    scope: str = "epoch"

    def key_for(self, oracle_metric: Optional[str] = None) -> Optional[str]:
        """The history key ranked by; the oracle's is ``oracle_metric`` when the data names one."""
        if self.name == "oracle" and oracle_metric:
            return oracle_metric
        return self.key

    def value(self, record: Mapping[str, Any], oracle_metric: Optional[str] = None) -> Optional[float]:
        """The rule's score in one history record (None when not recorded; NaN stays NaN)."""
        key = self.key_for(oracle_metric)
        raw = record.get(key) if key is not None else None
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            return None
        return float(raw)

    @property
    def per_epoch(self) -> bool:
        return self.scope == "epoch"


def score_key(name: str) -> str:
    """The history key of validator ``name``'s score: ``val/score/<name>``."""
    return f"{SCORE_PREFIX}{name}"


FIXED_RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in (
        Rule(
            "oracle",
            DEFAULT_ORACLE_METRIC,
            "the target labels",
            "the best target accuracy itself — uses the target labels: the upper bound, and how published tables "
            "were made",
            uses_target_labels=True,
        ),
        Rule(
            "src_val",
            "val/src_acc",
            "a labelled source hold-out (data.source_holdout > 0 or data.source.val)",
            "accuracy on the labelled source hold-out (val/src_acc)",
        ),
        Rule("last", "epoch", "nothing", "the latest epoch (across runs, ties count the mean of their accuracies)"),
        Rule(
            "atc",
            f"{ESTIMATE_PREFIX}atc",
            "a labelled source hold-out and the target predictions",
            "the estimated target accuracy by ATC (Garg et al. 2022): share of target images above the "
            "negative-entropy threshold fitted on the source hold-out",
        ),
        Rule(
            "doc",
            f"{ESTIMATE_PREFIX}doc",
            "a labelled source hold-out and the target predictions",
            "the estimated target accuracy by DoC (Guillory et al. 2021): hold-out accuracy minus the drop in "
            "mean confidence from the hold-out to the target",
        ),
        Rule(
            "mixval",
            score_key("mixval"),
            "the model and target images (the mixval callback: inference on mixed target images)",
            "MixVal (Hu et al. 2023): accuracy on mixed target images against the dominant image's pseudo-label, "
            "intra- and inter-cluster probes averaged",
        ),
        Rule(
            "mixval_intra",
            score_key("mixval_intra"),
            "the model and target images (the mixval callback)",
            "MixVal's intra-cluster probes alone: mixes of two target images with the same pseudo-label",
        ),
        Rule(
            "mixval_inter",
            score_key("mixval_inter"),
            "the model and target images (the mixval callback)",
            "MixVal's inter-cluster probes alone: mixes of two target images with different pseudo-labels",
        ),
        Rule(
            "ensv",
            None,
            "the stored target predictions of every candidate of the task (predictions.npz in each run)",
            "EnsV (Hu et al. 2024): agreement with the argmax of the mean target prediction of all candidates",
            scope="sweep",
        ),
    )
}
#: history keys of the fixed per-epoch rules → the rule's name (validators: ``val/score/<name>`` → name).
KEY_RULES = {rule.key: name for name, rule in FIXED_RULES.items() if rule.key and not rule.uses_target_labels}


def _needs(validator: type) -> str:
    inputs = set(getattr(validator, "inputs", ()))
    if getattr(validator, "needs_source", False):
        return "a labelled source hold-out (data.source_holdout > 0)" + (
            " and the target features" if "target_features" in inputs else ""
        )
    return "the target features and predictions" if "target_features" in inputs else "the target predictions"


def _first_line(text: Optional[str]) -> str:
    for line in (text or "").strip().splitlines():
        if line.strip():
            return line.strip().rstrip(".")
    return ""


def validator_rule(name: str, validator: type) -> Rule:
    """The rule of validator class ``validator`` registered as ``name``."""
    description = _first_line(validator.__doc__) or f"the label-free validator {name}"
    return Rule(name, score_key(name), _needs(validator), f"{description} ({score_key(name)})")


def validator_rules() -> dict[str, Rule]:
    """Every validator of :mod:`dalearn.validators` as a rule (imports torch on first use)."""
    from dalearn.validators import available

    return {name: validator_rule(name, cls) for name, cls in available().items() if name not in FIXED_RULES}


def all_rules() -> dict[str, Rule]:
    """The fixed rules and every validator's, by name."""
    return {**FIXED_RULES, **validator_rules()}


def get_rule(name: str) -> Rule:
    """The rule called ``name``; a ValueError naming every rule otherwise."""
    if name in FIXED_RULES:
        return FIXED_RULES[name]
    rules = validator_rules()
    if name in rules:
        return rules[name]
    raise ValueError(
        f"unknown selection rule {name!r}; expected one of {', '.join(FIXED_RULES)} or a validator: {', '.join(rules)}"
    )


def describe(name: str) -> str:
    """``name — description`` for reports, without importing the validators (a validator's rule
    is described by its key; :func:`get_rule` gives its full description)."""
    rule = FIXED_RULES.get(name)
    if rule is not None:
        return f"{rule.name} — {rule.description}"
    return f"{name} — the label-free validator score {score_key(name)} (dalearn.validators)"


def finite(value: Any) -> float:
    """A score to maximise; NaN and a missing value rank below every number."""
    if value is None:
        return float("-inf")
    value = float(value)
    return float("-inf") if math.isnan(value) else value
