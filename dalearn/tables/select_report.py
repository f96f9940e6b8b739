"""What ``dalearn-select`` writes: per rule, the pick of every pool (a task, or a task and a seed)
as Markdown and CSV, and over several rules a summary per task — mean regret, worst regret over
the seeds, how often the pick is in the bottom half of its pool, weighted Spearman — and the
mean absolute error of the accuracy estimates (ATC, DoC): the 'Label-free selection' section of
benchmarks/RESULTS.md.

A pick is named by its run directory (relative to the sweep folder), its epoch, the settings
that vary across the pool's runs (its config: ``config.yaml`` in that directory holds the rest),
its estimated target accuracy (ATC; no target label used) and where its weights are:
``checkpoints/last.ckpt`` for a run's final epoch, ``checkpoints/best.ckpt`` when the run itself
selected that epoch, otherwise retrain the run's config with ``trainer.max_epochs`` = epoch + 1
(training is deterministic per epoch).
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from pathlib import Path
from typing import Optional

from dalearn.selection import describe
from dalearn.selection.candidates import Checkpoint
from dalearn.selection.sweep_ranking import TaskChoice, estimate_error, max_of, mean_of
from dalearn.tables.layout import flatten, value_text

NONE = "–"
#: keys a pick's config leaves out: which run (data, seed), how it was judged (selection), or a
#: repeat of another key (the method's class and name; the optimiser node interpolates optim.lr, …).
HIDDEN_KEYS = ("data.", "seed", "selection.", "optim.optimizer.", "method._target_", "method.name")
ESTIMATES = ("atc", "doc")


def rule_words(rule: str) -> str:
    return describe(rule)


def _points(value: Optional[float]) -> str:
    return NONE if value is None else f"{100 * value:.1f}"


def _number(value: Optional[float], digits: int = 2) -> str:
    return NONE if value is None or math.isnan(value) else f"{value:.{digits}f}"


def varying_settings(checkpoints: list[Checkpoint]) -> list[str]:
    """The configuration keys (flattened) whose values differ between the pool's runs,
    except :data:`HIDDEN_KEYS`."""
    flats = [flatten(c.run.identity) for c in {id(c.run): c for c in checkpoints}.values()]
    keys = sorted(set().union(*flats))
    return [k for k in keys if not k.startswith(HIDDEN_KEYS) and len({value_text(f.get(k)) for f in flats}) > 1]


def pick_config(pick: Checkpoint, keys: list[str]) -> str:
    """``method=dann, method.trade_off=0.3, optim.lr=0.01``: the pick's varying settings. A key
    the pick's config does not have (another method's, such as MCD's ``method.num_k`` beside a
    DANN pick) is left out rather than shown empty."""
    flat = flatten(pick.run.identity)
    shown = [f"method={pick.run.method}"] + [f"{k}={value_text(flat[k])}" for k in keys if k in flat]
    return ", ".join(dict.fromkeys(shown))


def weights_of(pick: Checkpoint) -> str:
    """Where the pick's weights are (see the module doc)."""
    metrics = pick.run.metrics or {}
    history = metrics.get("history") or []
    if history and int(history[-1]["epoch"]) == pick.epoch:
        return "checkpoints/last.ckpt"
    if int(metrics.get("epoch", -1)) == pick.epoch:
        return f"checkpoints/best.ckpt (selection={metrics.get('selection')})"
    return f"not kept: retrain config.yaml with trainer.max_epochs={pick.epoch + 1}"


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _pool_name(choice: TaskChoice) -> str:
    return choice.label if choice.seed is None else f"{choice.label}, seed {choice.seed}"


def choice_rows(choices: list[TaskChoice], by_task: dict, root: Path) -> list[list[str]]:
    """Header, one row per pool, the average row."""
    header = [
        "task",
        "checkpoints",
        "pick: run directory",
        "epoch",
        "config",
        "score",
        "weights",
        "pick acc (%)",
        "estimated acc, ATC (%)",
        "oracle acc (%)",
        "oracle: run directory",
        "oracle epoch",
        "regret (points)",
        "bottom half",
        "weighted Spearman",
    ]
    rows = [header]
    for choice in choices:
        keys = varying_settings(by_task.get((choice.task, choice.seed)) or [choice.pick])
        oracle = choice.oracle
        count = str(choice.checkpoints) + (f" ({choice.tied} tied best)" if choice.tied > 1 else "")
        if choice.excluded_flagged:
            count += f" ({choice.excluded_flagged} flagged collapsed, not pickable)"
        if choice.excluded_trains_on:
            count += f" ({choice.excluded_trains_on} of methods that train on {choice.rule}, not pickable by it)"
        if choice.without_score:
            count += f" ({choice.without_score} without this score, not pickable)"
        rows.append(
            [
                _pool_name(choice),
                count,
                _relative(choice.pick.run.path, root),
                str(choice.pick.epoch),
                pick_config(choice.pick, keys),
                _number(choice.pick.scores[choice.rule], 4),
                weights_of(choice.pick),
                _points(choice.pick_accuracy),
                _points(choice.pick_estimates.get("atc")),
                _points(oracle.accuracy if oracle else None),
                _relative(oracle.run.path, root) if oracle else NONE,
                str(oracle.epoch) if oracle else NONE,
                _number(choice.regret, 1),
                NONE if choice.bottom_half is None else ("yes" if choice.bottom_half else "no"),
                _number(choice.correlation, 3),
            ]
        )
    halves = [c.bottom_half for c in choices if c.bottom_half is not None]
    rows.append(
        [
            "Avg",
            str(sum(c.checkpoints for c in choices)),
            *[""] * 10,
            _number(mean_of([c.regret for c in choices]), 1),
            f"{sum(halves)}/{len(halves)}" if halves else NONE,
            _number(mean_of([c.correlation for c in choices]), 3),
        ]
    )
    return rows


def _markdown_table(rows: list[list[str]]) -> list[str]:
    header, *body = rows
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in body]


def _csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def choice_markdown(choices: list[TaskChoice], by_task: dict, root: Path) -> str:
    rule = choices[0].rule
    lines = [f"### Selection by {rule} across {root.name}", ""]
    lines += _markdown_table(choice_rows(choices, by_task, root))
    lines += [
        "",
        f"- Score: {rule_words(rule)}; higher = predicted better. Every checkpoint = one evaluated epoch of one run.",
        "- regret = oracle accuracy − pick accuracy, in points; bottom half: the pick's accuracy is below the pool's "
        "median; weighted Spearman: Musgrave et al. (2022), weights (validator rank / number of distinct scores)², "
        "over all checkpoints of the pool. A checkpoint flagged as collapsed (val/collapse/flag), or of a method "
        "whose loss maximises the score (metrics.json's trains_on), is never picked while another one exists.",
        "- Avg: mean over the pools that have the number. '–': no target labels (no regret) or no ranking.",
    ]
    return "\n".join(lines) + "\n"


def choice_csv(choices: list[TaskChoice], by_task: dict, root: Path) -> str:
    return _csv(choice_rows(choices, by_task, root))


def _by_label(choices: list[TaskChoice]) -> dict[str, list[TaskChoice]]:
    grouped: dict[str, list[TaskChoice]] = defaultdict(list)
    for choice in choices:
        grouped[choice.label].append(choice)
    return dict(grouped)


def summary_rows(all_choices: dict[str, list[TaskChoice]], value: str) -> list[list[str]]:
    """Rules × tasks of ``value``, with the average column first: ``regret`` (mean over the
    task's pools), ``worst`` (worst regret over them), ``bottom`` (picks in the bottom half,
    k/n), ``correlation`` (mean weighted Spearman) or ``pick_error`` (mean |ATC estimate −
    target accuracy| of the picks, points)."""
    first = next(iter(all_choices.values()))
    labels = list(_by_label(first))
    rows = [["rule", "Avg", *labels]]
    for rule, choices in all_choices.items():
        grouped = _by_label(choices)
        cells, everything = [], [c for label in labels for c in grouped.get(label, [])]
        for label in [None, *labels]:
            mine = everything if label is None else grouped.get(label, [])
            if value == "bottom":
                halves = [c.bottom_half for c in mine if c.bottom_half is not None]
                cells.append(f"{sum(halves)}/{len(halves)}" if halves else NONE)
            elif value == "worst":
                cells.append(_number(max_of([c.regret for c in mine]), 1))
            elif value == "pick_error":
                cells.append(_number(mean_of([pick_estimate_error(c) for c in mine]), 1))
            else:
                cells.append(_number(mean_of([getattr(c, value) for c in mine]), 1 if value == "regret" else 3))
        rows.append([rule, *cells])
    return rows


def pick_estimate_error(choice: TaskChoice) -> Optional[float]:
    """|ATC estimate − target accuracy| of the pick, in points (None without either)."""
    estimate, accuracy = choice.pick_estimates.get("atc"), choice.pick.accuracy
    if estimate is None or accuracy is None or not math.isfinite(estimate):
        return None
    return 100.0 * abs(estimate - accuracy)


def estimate_rows(by_task: dict, labels: dict[tuple, str]) -> list[list[str]]:
    """Mean absolute error (points) of each accuracy estimate over all checkpoints, per task."""
    grouped: dict[str, list[Checkpoint]] = defaultdict(list)
    for key, checkpoints in by_task.items():
        grouped[labels[key]].extend(checkpoints)
    names = list(grouped)
    rows = [["estimate", "Avg", *names]]
    for estimate in ESTIMATES:
        per_task = [estimate_error(grouped[name], estimate) for name in names]
        if all(value is None for value in per_task):
            continue
        rows.append([estimate, _number(mean_of(per_task), 1), *(_number(v, 1) for v in per_task)])
    return rows if len(rows) > 1 else []


def _labels(all_choices: dict[str, list[TaskChoice]]) -> dict[tuple, str]:
    return {(c.task, c.seed): c.label for choices in all_choices.values() for c in choices}


def summary_markdown(all_choices: dict[str, list[TaskChoice]], root: Path, by_task: Optional[dict] = None) -> str:
    first = next(iter(all_choices.values()))
    per_seed = any(c.seed is not None for c in first)
    over = "over the seeds (one pool per task and seed)" if per_seed else "(one pool per task, seeds pooled)"
    lines = [f"### Label-free selection across {root.name}", ""]
    lines += [f"Mean regret {over} (points; lower is better):", ""]
    lines += _markdown_table(summary_rows(all_choices, "regret"))
    if per_seed:
        lines += ["", "Worst regret over the seeds (points):", ""]
        lines += _markdown_table(summary_rows(all_choices, "worst"))
    lines += ["", "Picks in the bottom half of their pool (accuracy below the pool's median), k of n pools:", ""]
    lines += _markdown_table(summary_rows(all_choices, "bottom"))
    lines += ["", "Weighted Spearman correlation between score and target accuracy (higher is better):", ""]
    lines += _markdown_table(summary_rows(all_choices, "correlation"))
    estimates = estimate_rows(by_task, _labels(all_choices)) if by_task else []
    if estimates:
        lines += [
            "",
            "Accuracy estimates (no target label used): mean absolute error against the target accuracy, over all "
            "checkpoints (points):",
            "",
        ]
        lines += _markdown_table(estimates)
        lines += [
            "",
            "The ATC estimate of each rule's pick: mean |estimate − target accuracy| over the pools (points):",
            "",
        ]
        lines += _markdown_table(summary_rows(all_choices, "pick_error"))
    sizes = ", ".join(f"{_pool_name(c)}: {c.checkpoints}" for c in first)
    lines += [
        "",
        f"- Checkpoints per pool: {sizes}.",
        "- Rules: " + "; ".join(rule_words(r) for r in all_choices) + ".",
    ]
    return "\n".join(lines) + "\n"


def summary_csv(all_choices: dict[str, list[TaskChoice]], by_task: Optional[dict] = None) -> str:
    rows = None
    for measure, value in (
        ("regret", "regret"),
        ("worst_regret", "worst"),
        ("bottom_half", "bottom"),
        ("weighted_spearman", "correlation"),
        ("pick_atc_error", "pick_error"),
    ):
        table = summary_rows(all_choices, value)
        if rows is None:
            rows = [["measure", *table[0]]]
        rows += [[measure, *row] for row in table[1:]]
    if by_task:
        estimates = estimate_rows(by_task, _labels(all_choices))
        rows += [["estimate_mae", *row] for row in estimates[1:]]
    return _csv(rows)
