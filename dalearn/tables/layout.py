"""The shape of the tables: which runs share a table (groups), which rows and columns it has,
and in what order.

Groups: each published benchmark (Office-31, Office-Home, VisDA-2017, DomainNet) found in a
sweep is a group of its own. Every other dataset of the sweep (the offline digits /
Fashion-MNIST tasks, or data of your own) goes into one more group, whose table has a column
per (dataset, task), e.g. ``Digits → Digits-drift | Fashion-MNIST → Fashion-MNIST-M``.

Rows: the methods in the published order (Source Only, DANN, DAN, JAN, CDAN, MCD, MDD),
then any other method name, sorted, plus methods the sweep grid names but that never
started. Runs of one method with different method settings on the same task
(``method.entropy_conditioning=false,true``) become one row per setting, labelled by the
settings that differ; settings that differ only between datasets (per-dataset recipes) stay
one row.

Columns: the tasks found on disk, plus the grid's tasks of a published benchmark; in the
published order for known datasets, sorted otherwise.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterable, Optional

from dalearn.run.resolvers import split_task
from dalearn.tables.grid import Grid
from dalearn.tables.reference import DatasetInfo, dataset_info, known_datasets, method_label, method_order
from dalearn.tables.runs import Run

RowKey = tuple[str, Optional[str]]


@dataclass(frozen=True)
class Group:
    """Runs that share a table; ``info`` is the published benchmark's, or None for the rest."""

    name: str
    info: Optional[DatasetInfo]
    runs: tuple[Run, ...]


@dataclass(frozen=True)
class Column:
    dataset: str
    task: str
    label: str


def dataset_rank(name: str) -> tuple[int, str]:
    """Sort key: datasets in reference order, unknown ones after, by name."""
    known = known_datasets()
    return (known.index(name) if name in known else len(known), name)


def group_runs(runs: Iterable[Run]) -> list[Group]:
    """Published benchmarks one group each (in reference order), the rest in one more group
    (``offline`` if dalearn knows all its datasets, else ``other``)."""
    by_dataset: dict[str, list[Run]] = defaultdict(list)
    for run in runs:
        by_dataset[run.dataset].append(run)
    published = sorted((name for name in by_dataset if _is_published(name)), key=dataset_rank)
    groups = [Group(name, dataset_info(name), tuple(by_dataset[name])) for name in published]
    rest = sorted(set(by_dataset) - set(published), key=dataset_rank)
    if rest:
        name = "offline" if all(dataset_info(d) is not None for d in rest) else "other"
        groups.append(Group(name, None, tuple(run for d in rest for run in by_dataset[d])))
    return groups


def _is_published(name: str) -> bool:
    info = dataset_info(name)
    return info is not None and info.published


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts → ``{"a.b": value}``."""
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(flatten(item, f"{prefix}{key}."))
        return flat
    return {prefix[:-1]: value}


def value_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def split_methods(group: Group) -> set[str]:
    """Methods run with different settings on the same task: those get one row per setting."""
    settings: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for run in group.runs:
        settings[(run.method, run.dataset, run.task)].add(run.method_config)
    return {method for (method, _, _), configs in settings.items() if len(configs) > 1}


def row_key(run: Run, split: set[str]) -> RowKey:
    """The row of ``run``: its method, and its settings if that method is split."""
    return (run.method, run.method_config if run.method in split else None)


def row_labels(group: Group, grids: list[Grid], split: set[str]) -> dict[RowKey, str]:
    """Row key → row label, in table order."""
    keys = {row_key(run, split) for run in group.runs}
    keys |= {(method, None) for grid in grids for method in grid.methods if method not in {k[0] for k in keys}}
    order = method_order()
    labels: dict[RowKey, str] = {}
    for method, config in sorted(keys, key=lambda k: (order.index(k[0]) if k[0] in order else len(order), k)):
        if config is None:
            labels[(method, config)] = method_label(method)
            continue
        flats = {c: flatten(json.loads(c)) for m, c in keys if m == method}
        names = sorted({name for flat in flats.values() for name in flat})
        differing = [n for n in names if len({json.dumps(flat.get(n), sort_keys=True) for flat in flats.values()}) > 1]
        settings = ", ".join(f"{n}={value_text(flats[config].get(n))}" for n in differing)
        labels[(method, config)] = f"{method_label(method)} ({settings})"
    return labels


def _grid_task(info: DatasetInfo, task: str) -> Optional[str]:
    """The canonical key of a grid's ``data.task`` value, or None if it is no task of ``info``."""
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


def columns_of(group: Group, grids: list[Grid]) -> list[Column]:
    """The group's task columns, in table order."""
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
        known = dataset_info(dataset)
        tasks = known.tasks if known is not None else ()
        return (dataset_rank(dataset), tasks.index(task) if task in tasks else len(tasks), task)

    return [Column(dataset, task, found[(dataset, task)]) for dataset, task in sorted(found, key=rank)]
