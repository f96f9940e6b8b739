"""What a table says about itself: its title (dataset, number, selection rule) and the notes
under it — how the rule chose the epoch, what the cells and marks mean, what Avg covers,
and where the paper column comes from."""

from __future__ import annotations

from dalearn.selection import FIXED_RULES
from dalearn.tables.layout import Column, Group, dataset_rank
from dalearn.tables.reference import dataset_info

RULE_NOTES = {
    "oracle": "oracle — the epoch with the best target accuracy, chosen on the target labels "
    "(how the published tables were made; optimistic)",
    "src_val": "src_val — the epoch with the best accuracy on a held-out split of the labelled source domain "
    "(no target labels used)",
    "last": "last — the final epoch (no selection)",
}
MARK_NOTES = {
    "incomplete": "incomplete: a run directory without a done marker (still running, failed or killed)",
    "missing": "missing: no run directory for that seed",
    "lacking": "without {rule}: a finished run that did not record this rule",
}
METRIC_WORDS = {"tgt_acc": "target accuracy", "tgt_mean_class_acc": "mean per-class target accuracy"}


def rule_note(rule: str) -> str:
    """How ``rule`` chose the epoch (its :class:`dalearn.selection.Rule`); any other rule is a
    label-free validator's score."""
    if rule in RULE_NOTES:
        return RULE_NOTES[rule]
    if rule in FIXED_RULES:
        return f"{rule} — the epoch with the best {FIXED_RULES[rule].description} (no target labels used)"
    return f"{rule} — the epoch with the best label-free validator score val/score/{rule} (no target labels used)"


def title(group: Group, rule: str, metric: str) -> str:
    if group.info is not None:
        name = group.info.title
    else:
        datasets = sorted({run.dataset for run in group.runs}, key=dataset_rank)
        name = ", ".join((dataset_info(d).title if dataset_info(d) else d) for d in datasets)
    return f"{name} — {METRIC_WORDS.get(metric, metric)} (%), selection: {rule}"


def notes(group: Group, rule: str, metric: str, columns: list[Column], marks: list[str]) -> tuple[str, ...]:
    """The notes of a table; ``marks`` are the kinds of partial cells it shows (MARK_NOTES keys)."""
    chosen = [(run.metrics.get("by_selection") or {}).get(rule) or {} for run in group.runs if run.finished]
    splits = sorted({str(record["tgt_eval_split"]) for record in chosen if record.get("tgt_eval_split")})
    lines = [
        f"Selection: {rule_note(rule)}.",
        f"Cells: mean ± sample std over seeds of the {METRIC_WORDS.get(metric, metric)} in %; (n) = seeds.",
    ]
    if marks:
        lines.append(
            "(k/n: …) marks a cell where only k of the n expected seeds count — "
            + "; ".join(MARK_NOTES[mark].format(rule=rule) for mark in marks)
            + "."
        )
    if splits:
        lines.append(f"Target numbers measured on: {', '.join(splits)}.")
    covered = (
        f"the {len(group.info.tasks)} tasks of the published average"
        if group.info is not None
        else f"the {len(columns)} tasks of this table"
    )
    lines.append(
        f"Avg: mean over {covered}, ± sample std over seeds of each seed's average; "
        "shown only when every one of them is complete."
    )
    if group.info is not None:
        lines.append(f"paper: {group.info.paper_source}.")
    else:
        lines.append("paper: no published numbers for these tasks ('/').")
    return tuple(lines)
