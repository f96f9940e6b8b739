"""What ``dalearn-select`` writes: per rule, the pick of every task as Markdown and CSV, and
over several rules a summary of regret and weighted Spearman per task and on average (the
'Label-free selection' section of benchmarks/RESULTS.md).

A pick is named by its run directory (relative to the sweep folder), its epoch, the settings
that vary across the task's runs (its config: ``config.yaml`` in that directory holds the
rest) and where its weights are: ``checkpoints/last.ckpt`` for a run's final epoch,
``checkpoints/best.ckpt`` when the run itself selected that epoch, otherwise retrain the
run's config with ``trainer.max_epochs`` = epoch + 1 (training is deterministic per epoch).
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Optional

from dalearn.tables.checkpoints import Checkpoint
from dalearn.tables.layout import flatten, value_text
from dalearn.tables.ranking import TaskChoice, mean_of

NONE = "–"
#: keys a pick's config leaves out: which run (data, seed), how it was judged (selection), or a
#: repeat of another key (the method's class and name; the optimiser node interpolates optim.lr, …).
HIDDEN_KEYS = ("data.", "seed", "selection.", "optim.optimizer.", "method._target_", "method.name")
RULE_WORDS = {
    "oracle": "oracle — the target accuracy itself (uses the target labels: the upper bound)",
    "src_val": "src_val — accuracy on the labelled source hold-out (val/src_acc)",
    "last": "last — the latest epoch (ties between runs: the mean of their accuracies)",
}


def rule_words(rule: str) -> str:
    return RULE_WORDS.get(rule, f"{rule} — the label-free validator score val/score/{rule} (dalearn.validators)")


def _points(value: Optional[float]) -> str:
    return NONE if value is None else f"{100 * value:.1f}"


def _number(value: Optional[float], digits: int = 2) -> str:
    return NONE if value is None or math.isnan(value) else f"{value:.{digits}f}"


def varying_settings(checkpoints: list[Checkpoint]) -> list[str]:
    """The configuration keys (flattened) whose values differ between the task's runs,
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


def choice_rows(choices: list[TaskChoice], by_task: dict, root: Path) -> list[list[str]]:
    """Header, one row per task, the average row."""
    header = [
        "task",
        "checkpoints",
        "pick: run directory",
        "epoch",
        "config",
        "score",
        "weights",
        "pick acc (%)",
        "oracle acc (%)",
        "oracle: run directory",
        "oracle epoch",
        "regret (points)",
        "weighted Spearman",
    ]
    rows = [header]
    for choice in choices:
        keys = varying_settings(by_task[(choice.dataset, choice.task)])
        oracle = choice.oracle
        rows.append(
            [
                choice.label,
                str(choice.checkpoints) + (f" ({choice.tied} tied best)" if choice.tied > 1 else ""),
                _relative(choice.pick.run.path, root),
                str(choice.pick.epoch),
                pick_config(choice.pick, keys),
                _number(choice.pick.scores[choice.rule], 4),
                weights_of(choice.pick),
                _points(choice.pick_accuracy),
                _points(oracle.accuracy if oracle else None),
                _relative(oracle.run.path, root) if oracle else NONE,
                str(oracle.epoch) if oracle else NONE,
                _number(choice.regret, 1),
                _number(choice.correlation, 3),
            ]
        )
    rows.append(
        [
            "Avg",
            str(sum(c.checkpoints for c in choices)),
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            _number(mean_of([c.regret for c in choices]), 1),
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
        "- regret = oracle accuracy − pick accuracy, in points; weighted Spearman: Musgrave et al. (2022), "
        "weights (validator rank / number of distinct scores)², over all checkpoints of the task.",
        "- Avg: mean over the tasks that have the number. '–': no target labels (no regret) or no ranking.",
    ]
    return "\n".join(lines) + "\n"


def choice_csv(choices: list[TaskChoice], by_task: dict, root: Path) -> str:
    return _csv(choice_rows(choices, by_task, root))


def summary_rows(all_choices: dict[str, list[TaskChoice]], value: str) -> list[list[str]]:
    """Rules × tasks of ``value`` (``regret`` or ``correlation``), with the average column."""
    first = next(iter(all_choices.values()))
    header = ["rule", "Avg", *(choice.label for choice in first)]
    digits = 1 if value == "regret" else 3
    rows = [header]
    for rule, choices in all_choices.items():
        numbers = [getattr(choice, value) for choice in choices]
        rows.append([rule, _number(mean_of(numbers), digits), *(_number(n, digits) for n in numbers)])
    return rows


def summary_markdown(all_choices: dict[str, list[TaskChoice]], root: Path) -> str:
    lines = [f"### Label-free selection across {root.name}", "", "Regret (points; lower is better):", ""]
    lines += _markdown_table(summary_rows(all_choices, "regret"))
    lines += ["", "Weighted Spearman correlation between score and target accuracy (higher is better):", ""]
    lines += _markdown_table(summary_rows(all_choices, "correlation"))
    first = next(iter(all_choices.values()))
    lines += [
        "",
        f"- Checkpoints per task: {', '.join(f'{c.label}: {c.checkpoints}' for c in first)}.",
        "- Rules: " + "; ".join(rule_words(rule) for rule in all_choices) + ".",
    ]
    return "\n".join(lines) + "\n"


def summary_csv(all_choices: dict[str, list[TaskChoice]]) -> str:
    regret, correlation = summary_rows(all_choices, "regret"), summary_rows(all_choices, "correlation")
    rows = [["measure", *regret[0]]]
    rows += [["regret", *row] for row in regret[1:]] + [["weighted_spearman", *row] for row in correlation[1:]]
    return _csv(rows)
