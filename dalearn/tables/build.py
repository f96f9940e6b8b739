"""Runs → tables: one table per (dataset group × selection rule).

Groups: each published benchmark (Office-31, Office-Home, VisDA-2017, DomainNet) found in
the sweep gets its own table, with its published task order, its "paper" column and an Avg
over the tasks of the published average. Every other dataset of the sweep (the offline
digits / Fashion-MNIST tasks, or data of your own) goes into one more table with a column
per (dataset, task), e.g. ``Digits → Digits-drift | Fashion-MNIST → Fashion-MNIST-M``, and
its Avg is over those columns.

Rows: the methods in the published order (Source Only, DANN, DAN, JAN, CDAN, MCD, MDD),
then any other method name, sorted. Runs of one method with different method settings on the
same task (``method.entropy_conditioning=false,true``) become one row per setting, labelled
by the settings that differ; settings that differ only between datasets stay one row. Two finished-or-not runs in the same cell with the same seed are an
error: the sweep folder mixes configurations, and averaging them would hide it.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterable, Optional

from dalearn.config import split_task
from dalearn.tables.cells import Average, Cell, average
from dalearn.tables.errors import CollectError
from dalearn.tables.grid import Grid
from dalearn.tables.reference import DatasetInfo, dataset_info, known_datasets, method_label, method_order
from dalearn.tables.runs import Run

RULE_ORDER = ("oracle", "src_val", "last")
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


@dataclass(frozen=True)
class Column:
    dataset: str
    task: str
    label: str


@dataclass(frozen=True)
class Row:
    label: str
    method: str
    paper: Optional[float]
    cells: tuple[Cell, ...]
    average: Average


@dataclass(frozen=True)
class Table:
    """One finished table: ``group`` names its dataset group (``office31``, ``offline``)."""

    group: str
    rule: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    notes: tuple[str, ...]

    def counts(self) -> dict[str, int]:
        """Expected runs and how many finished, are incomplete or missing."""
        cells = [cell for row in self.rows for cell in row.cells]
        return {
            "expected": sum(cell.expected for cell in cells),
            "finished": sum(cell.expected - cell.incomplete - cell.missing for cell in cells),
            "incomplete": sum(cell.incomplete for cell in cells),
            "missing": sum(cell.missing for cell in cells),
        }


@dataclass(frozen=True)
class _Group:
    name: str
    info: Optional[DatasetInfo]
    runs: tuple[Run, ...]


def group_runs(runs: Iterable[Run]) -> list[_Group]:
    """Published benchmarks one group each (in reference order), the rest in one more group."""
    by_dataset: dict[str, list[Run]] = defaultdict(list)
    for run in runs:
        by_dataset[run.dataset].append(run)
    published = [name for name in by_dataset if _is_published(name)]
    groups = [
        _Group(name, dataset_info(name), tuple(by_dataset[name])) for name in sorted(published, key=_dataset_rank)
    ]
    rest = sorted(set(by_dataset) - set(published), key=_dataset_rank)
    if rest:
        name = "offline" if all(dataset_info(d) is not None for d in rest) else "other"
        groups.append(_Group(name, None, tuple(run for d in rest for run in by_dataset[d])))
    return groups


def _is_published(name: str) -> bool:
    info = dataset_info(name)
    return info is not None and info.published


def _dataset_rank(name: str) -> tuple[int, str]:
    known = known_datasets()
    return (known.index(name) if name in known else len(known), name)


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(_flatten(item, f"{prefix}{key}."))
        return flat
    return {prefix[:-1]: value}


def _value_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _split_methods(group: _Group) -> set[str]:
    """Methods run with different settings on the same task: those get one row per setting.
    (Settings that differ only between datasets, e.g. per-dataset recipes, stay one row.)"""
    settings: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for run in group.runs:
        settings[(run.method, run.dataset, run.task)].add(run.method_config)
    return {method for (method, _, _), configs in settings.items() if len(configs) > 1}


def _row_key(run: Run, split: set[str]) -> tuple[str, Optional[str]]:
    """The row of ``run``: its method, and its settings if that method is split."""
    return (run.method, run.method_config if run.method in split else None)


def _row_labels(group: _Group, grids: list[Grid], split: set[str]) -> dict[tuple[str, Optional[str]], str]:
    """Row key (method, settings or None) → row label, in table order."""
    keys = {_row_key(run, split) for run in group.runs}
    keys |= {(method, None) for grid in grids for method in grid.methods if method not in {k[0] for k in keys}}
    order = method_order()
    labels: dict[tuple[str, Optional[str]], str] = {}
    for method, config in sorted(keys, key=lambda k: (order.index(k[0]) if k[0] in order else len(order), k)):
        if config is None:
            labels[(method, config)] = method_label(method)
            continue
        flats = {c: _flatten(json.loads(c)) for m, c in keys if m == method}
        names = sorted({name for flat in flats.values() for name in flat})
        differing = [n for n in names if len({json.dumps(flat.get(n), sort_keys=True) for flat in flats.values()}) > 1]
        settings = ", ".join(f"{n}={_value_text(flats[config].get(n))}" for n in differing)
        labels[(method, config)] = f"{method_label(method)} ({settings})"
    return labels


def _grid_task(info: DatasetInfo, task: str) -> Optional[str]:
    try:
        source, target = split_task(task)
    except ValueError:
        return None
    source, target = info.domain_key(source), info.domain_key(target)
    return f"{source}2{target}" if source in info.domains and target in info.domains and source != target else None


def _column_label(run: Run, several_datasets: bool) -> str:
    info = dataset_info(run.dataset)
    if run.source is None:
        return run.task or run.dataset
    if info is not None:
        return f"{info.label(run.source)} → {info.label(run.target)}"
    prefix = f"{run.dataset}: " if several_datasets else ""
    return f"{prefix}{run.source} → {run.target}"


def _columns(group: _Group, grids: list[Grid]) -> list[Column]:
    several = len({run.dataset for run in group.runs}) > 1
    found: dict[tuple[str, str], str] = {}
    for run in group.runs:
        found.setdefault((run.dataset, run.task), _column_label(run, several))
    info = group.info
    if info is not None:
        for grid in grids:
            for task in grid.tasks:
                key = _grid_task(info, task)
                if key is not None and (info.name, key) not in found:
                    source, target = split_task(key)
                    found[(info.name, key)] = f"{info.label(source)} → {info.label(target)}"

    def rank(key: tuple[str, str]) -> tuple:
        dataset, task = key
        tasks = (dataset_info(dataset).tasks if dataset_info(dataset) else ())
        return (_dataset_rank(dataset), tasks.index(task) if task in tasks else len(tasks), task)

    return [Column(dataset, task, found[(dataset, task)]) for dataset, task in sorted(found, key=rank)]


def rule_value(metrics: dict[str, Any], rule: str, metric: str) -> Optional[float]:
    """The number ``metric`` (a fraction) that selection rule ``rule`` chose, or None."""
    record = (metrics.get("by_selection") or {}).get(rule)
    if record is None and metrics.get("selection") == rule:
        record = metrics
    value = (record or {}).get(metric)
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None


def rules_found(runs: Iterable[Run]) -> list[str]:
    """The selection rules the finished runs recorded, in the order oracle, src_val, last, others."""
    found = set()
    for run in runs:
        if run.finished:
            found |= set(run.metrics.get("by_selection") or {})
            if run.metrics.get("selection"):
                found.add(run.metrics["selection"])
    return [r for r in RULE_ORDER if r in found] + sorted(found - set(RULE_ORDER))


def _difference(first: Run, second: Run) -> str:
    a, b = _flatten(first.identity), _flatten(second.identity)
    keys = [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
    shown = "; ".join(f"{k}: {_value_text(a.get(k))} vs {_value_text(b.get(k))}" for k in keys[:5])
    return shown or "nothing in the configuration (a copied run directory?)"


def _cells_by_seed(group: _Group, labels: dict, split: set[str]) -> dict[tuple, dict[int, Run]]:
    cells: dict[tuple, dict[int, Run]] = defaultdict(dict)
    for run in group.runs:
        key = (_row_key(run, split), (run.dataset, run.task))
        other = cells[key].get(run.seed)
        if other is not None:
            raise CollectError(
                f"two runs of {labels[key[0]]} on {run.dataset} {run.task} with seed {run.seed}: {other.path} and "
                f"{run.path} (they differ in {_difference(other, run)}). A table averages one configuration: "
                f"collect a folder holding one of them, or remove the one you do not want"
            )
        cells[key][run.seed] = run
    return cells


def _notes(group: _Group, rule: str, metric: str, columns: list[Column], marks: list[str]) -> tuple[str, ...]:
    words = METRIC_WORDS.get(metric, metric)
    chosen = [(run.metrics.get("by_selection") or {}).get(rule) or {} for run in group.runs if run.finished]
    splits = sorted({str(record["tgt_eval_split"]) for record in chosen if record.get("tgt_eval_split")})
    info = group.info
    notes = [
        f"Selection: {RULE_NOTES.get(rule, rule)}.",
        f"Cells: mean ± sample std over seeds of the {words} in %; (n) = seeds.",
    ]
    if marks:
        notes.append(
            "(k/n: …) marks a cell where only k of the n expected seeds count — "
            + "; ".join(MARK_NOTES[mark].format(rule=rule) for mark in marks)
            + "."
        )
    if splits:
        notes.append(f"Target numbers measured on: {', '.join(splits)}.")
    if info is not None:
        notes.append(
            f"Avg: mean over the {len(info.tasks)} tasks of the published average, ± sample std over seeds of "
            "each seed's average; shown only when every one of them is complete."
        )
        notes.append(f"paper: {info.paper_source}.")
    else:
        notes.append(
            f"Avg: mean over the {len(columns)} tasks of this table, ± sample std over seeds of each seed's "
            "average; shown only when every one of them is complete."
        )
        notes.append("paper: no published numbers for these tasks ('/').")
    return tuple(notes)


def _title(group: _Group, rule: str, metric: str) -> str:
    if group.info is not None:
        name = group.info.title
    else:
        datasets = sorted({run.dataset for run in group.runs}, key=_dataset_rank)
        name = ", ".join((dataset_info(d).title if dataset_info(d) else d) for d in datasets)
    return f"{name} — {METRIC_WORDS.get(metric, metric)} (%), selection: {rule}"


def build_group_tables(group: _Group, grids: list[Grid]) -> list[Table]:
    """The tables of one dataset group, one per selection rule its finished runs recorded."""
    grids = [grid for grid in grids if any(grid.covers(run.path) for run in group.runs)]
    seeds = sorted({run.seed for run in group.runs}.union(*(grid.seeds for grid in grids)))
    split = _split_methods(group)
    labels = _row_labels(group, grids, split)
    columns = _columns(group, grids)
    by_seed = _cells_by_seed(group, labels, split)
    metric = group.info.metric if group.info is not None else "tgt_acc"
    tables = []
    for rule in rules_found(group.runs):
        rows = []
        for key, label in labels.items():
            cells = []
            for column in columns:
                runs = by_seed.get((key, (column.dataset, column.task)), {})
                values, incomplete, missing, lacking = {}, 0, 0, 0
                for seed in seeds:
                    run = runs.get(seed)
                    if run is None:
                        missing += 1
                    elif not run.finished:
                        incomplete += 1
                    elif (value := rule_value(run.metrics, rule, metric)) is None:
                        lacking += 1
                    else:
                        values[seed] = 100.0 * value
                cells.append(Cell(values, len(seeds), incomplete, missing, lacking))
            if group.info is not None:
                by_task = {column.task: cell for column, cell in zip(columns, cells)}
                required = [by_task.get(task) for task in group.info.tasks]
            else:
                required = cells
            paper = group.info.paper_numbers.get(key[0]) if group.info is not None else None
            rows.append(Row(label, key[0], paper, tuple(cells), average(required)))
        cells = [cell for row in rows for cell in row.cells]
        marks = [mark for mark in MARK_NOTES if any(getattr(cell, mark) for cell in cells)]
        tables.append(Table(
            group=group.name, rule=rule, title=_title(group, rule, metric), columns=tuple(columns), rows=tuple(rows),
            notes=_notes(group, rule, metric, columns, marks),
        ))
    return tables


def build_tables(runs: list[Run], grids: list[Grid]) -> tuple[list[Table], list[str]]:
    """All tables of a sweep, and one line per dataset group that has no finished run yet."""
    tables, waiting = [], []
    for group in group_runs(runs):
        built = build_group_tables(group, grids)
        if built:
            tables += built
        else:
            unfinished = sum(not run.finished for run in group.runs)
            waiting.append(f"{group.name}: no finished run yet ({unfinished} run directories, none with a done marker)")
    return tables, waiting
