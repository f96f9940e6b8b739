"""Runs → tables: one :class:`Table` per (dataset group × selection rule).

The layout (groups, rows, columns) comes from :mod:`dalearn.tables.layout`; this module
fills the cells. Each cell expects every seed of the group (the sweep grid's seeds and those
found on disk) and counts what it got (see :mod:`dalearn.tables.cells`). A published
benchmark's Avg covers the tasks of the published average; another group's Avg covers its
columns.

Two runs in the same cell with the same seed are an error: the sweep folder mixes
configurations, and averaging them would hide it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterable, Optional

from dalearn.selection.sweep_ranking import FIXED_ORDER
from dalearn.tables.cells import Average, Cell, average
from dalearn.tables.errors import CollectError
from dalearn.tables.grid import Grid
from dalearn.tables.layout import (
    Column,
    Group,
    RowKey,
    columns_of,
    flatten,
    group_runs,
    row_key,
    row_labels,
    split_methods,
    value_text,
)
from dalearn.tables.notes import MARK_NOTES, notes, title
from dalearn.tables.runs import Run

RULE_ORDER = FIXED_ORDER


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


def rule_value(metrics: dict[str, Any], rule: str, metric: str) -> Optional[float]:
    """The number ``metric`` (a fraction) that selection rule ``rule`` chose, or None."""
    record = (metrics.get("by_selection") or {}).get(rule)
    if record is None and metrics.get("selection") == rule:
        record = metrics
    value = (record or {}).get(metric)
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None


def rules_found(runs: Iterable[Run]) -> list[str]:
    """The selection rules the finished runs recorded, fixed rules first (oracle, src_val, last, atc, …)."""
    found = set()
    for run in runs:
        if run.finished:
            found |= set(run.metrics.get("by_selection") or {})
            if run.metrics.get("selection"):
                found.add(run.metrics["selection"])
    return [r for r in RULE_ORDER if r in found] + sorted(found - set(RULE_ORDER))


def _difference(first: Run, second: Run) -> str:
    a, b = flatten(first.identity), flatten(second.identity)
    keys = [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
    shown = "; ".join(f"{k}: {value_text(a.get(k))} vs {value_text(b.get(k))}" for k in keys[:5])
    return shown or "nothing in the configuration (a copied run directory?)"


def _runs_by_cell(group: Group, labels: dict[RowKey, str], split: set[str]) -> dict[tuple, dict[int, Run]]:
    """(row key, (dataset, task)) → seed → run; an error for two runs with one seed."""
    cells: dict[tuple, dict[int, Run]] = defaultdict(dict)
    for run in group.runs:
        key = (row_key(run, split), (run.dataset, run.task))
        other = cells[key].get(run.seed)
        if other is not None:
            raise CollectError(
                f"two runs of {labels[key[0]]} on {run.dataset} {run.task} with seed {run.seed}: {other.path} and "
                f"{run.path} (they differ in {_difference(other, run)}). A table averages one configuration: "
                f"collect a folder holding one of them, or remove the one you do not want"
            )
        cells[key][run.seed] = run
    return cells


def _cell(runs: dict[int, Run], seeds: list[int], rule: str, metric: str) -> Cell:
    """The cell of the runs of one (row, task), keyed by seed, over the expected ``seeds``."""
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
    return Cell(values, len(seeds), incomplete, missing, lacking)


def build_group_tables(group: Group, grids: list[Grid]) -> list[Table]:
    """The tables of one dataset group, one per selection rule its finished runs recorded."""
    grids = [grid for grid in grids if any(grid.covers(run.path) for run in group.runs)]
    seeds = sorted({run.seed for run in group.runs}.union(*(grid.seeds for grid in grids)))
    split = split_methods(group)
    labels = row_labels(group, grids, split)
    columns = columns_of(group, grids)
    by_cell = _runs_by_cell(group, labels, split)
    metric = group.info.metric if group.info is not None else "tgt_acc"
    tables = []
    for rule in rules_found(group.runs):
        rows = []
        for key, label in labels.items():
            cells = [_cell(by_cell.get((key, (c.dataset, c.task)), {}), seeds, rule, metric) for c in columns]
            if group.info is not None:
                by_task = {column.task: cell for column, cell in zip(columns, cells)}
                required = [by_task.get(task) for task in group.info.tasks]
                paper = group.info.paper_numbers.get(key[0])
            else:
                required, paper = cells, None
            rows.append(Row(label, key[0], paper, tuple(cells), average(required)))
        all_cells = [cell for row in rows for cell in row.cells]
        marks = [mark for mark in MARK_NOTES if any(getattr(cell, mark) for cell in all_cells)]
        tables.append(
            Table(
                group=group.name,
                rule=rule,
                title=title(group, rule, metric),
                columns=tuple(columns),
                rows=tuple(rows),
                notes=notes(group, rule, metric, columns, marks),
            )
        )
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
