"""Model selection over a run's per-epoch evaluation history.

Rules (``selection=`` on the command line):

- ``oracle``  — the epoch with the best target accuracy on ``val/tgt_acc`` (the target
  labels; this is how the published tables were made — always say so). A dataset whose
  headline number is another metric names it (VisDA-2017: ``data.oracle_metric:
  val/tgt_mean_class_acc``, as its published tables select on the per-class mean);
- ``src_val`` — the epoch with the best accuracy on the held-out source split;
- ``last``    — the final epoch.

The reported target numbers are ``test/tgt_*`` when the data has a separate target test set
(DomainNet, the offline datasets' held-out split) and ``val/tgt_*`` otherwise. Ties go to the
earliest epoch.
"""

from __future__ import annotations

from typing import Any, Sequence

RULES = {"oracle": "val/tgt_acc", "src_val": "val/src_acc", "last": None}


def select(history: Sequence[dict[str, Any]], rule: str, oracle_metric: str = RULES["oracle"]) -> dict[str, Any]:
    """The history record chosen by ``rule`` (``oracle`` maximises ``oracle_metric``)."""
    if rule not in RULES:
        raise ValueError(f"unknown selection rule {rule!r}; expected one of {sorted(RULES)}")
    if not history:
        raise ValueError("the run has no evaluation history to select from (did training run an epoch?)")
    key = oracle_metric if rule == "oracle" else RULES[rule]
    if key is None:
        return dict(history[-1])
    if key not in history[0]:
        raise ValueError(
            f"selection={rule} needs {key!r}, which this run did not record; "
            f"set data.source_holdout > 0 for source-validation selection"
        )
    best = max(range(len(history)), key=lambda i: (history[i][key], -i))
    return dict(history[best])


def report(record: dict[str, Any]) -> dict[str, Any]:
    """The numbers a table shows for one selected record."""
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
    return out


def summarize(history: Sequence[dict[str, Any]], rule: str, oracle_metric: str = RULES["oracle"]) -> dict[str, Any]:
    """``metrics.json`` content: the chosen rule's numbers, every applicable rule's, the history."""
    keys = {**RULES, "oracle": oracle_metric}
    by_rule = {}
    for name, key in keys.items():
        if key is None or key in history[0]:
            by_rule[name] = report(select(history, name, oracle_metric))
    chosen = report(select(history, rule, oracle_metric))
    return {"selection": rule, **chosen, "oracle_metric": oracle_metric, "by_selection": by_rule,
            "history": list(history)}
