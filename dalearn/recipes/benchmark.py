"""The parts of a recipe table that are about the benchmark rather than one row: the datasets
its result tables show (``datasets:``), the published numbers' source (``paper:``) and the
sweep ``benchmark=<name>`` runs (``sweep:``). Validated here, rendered by
:mod:`dalearn.recipes.sweep` and :mod:`dalearn.recipes.reference`.

::

    datasets:                 # name → what the result tables know about it
      office31:
        title: Office-31
        metric: tgt_acc       # the accuracy the table reports (VisDA: tgt_mean_class_acc)
        tasks: &tasks [A2W, D2W, W2D, A2D, D2A, W2A]   # the columns, in order
        domains: {A: amazon, D: dslr, W: webcam}       # task key → domain name
        labels: {}            # task key → column label, where not the key itself
    paper: the original papers' averages, …   # the source of the rows' ``paper`` numbers
    sweep:
      axes: {data.task: *tasks, seed: [0, 1, 2]}   # every row × these axes
      launcher: {override: joblib, n_jobs: 2}      # optional: hydra/launcher and its settings
      settings: {trainer: {enable_progress_bar: false}}   # optional: config every run gets
      notes: |                # optional: comment lines of the sweep config (how to launch it)
        …
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

DATASET_KEYS = ("title", "metric", "tasks", "domains", "labels")
METRICS = ("tgt_acc", "tgt_mean_class_acc")
SWEEP_KEYS = ("axes", "launcher", "settings", "notes")


class RecipeTableError(ValueError):
    """A recipe table that cannot be turned into configs; the message names the table, the
    row and the key, and what to write instead."""


@dataclass(frozen=True)
class Sweep:
    """The grid of ``benchmark=<name>``: the table's rows × ``axes``."""

    axes: dict[str, list]
    launcher: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    notes: Optional[str] = None


def mapping(value: Any, where: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RecipeTableError(f"{where}: expected a mapping {{key: value, …}}, got {value!r}")
    return value


def read_datasets(value: Any, where: str) -> dict[str, dict]:
    """``datasets:`` checked: each entry has a title, a metric, tasks and domains."""
    datasets = {}
    for name, entry in mapping(value, f"{where}: datasets").items():
        here = f"{where}: datasets.{name}"
        entry = mapping(entry, here)
        unknown = sorted(set(entry) - set(DATASET_KEYS))
        missing = [key for key in DATASET_KEYS[:4] if not entry.get(key)]
        if unknown or missing:
            raise RecipeTableError(f"{here}: unknown keys {unknown}, missing {missing}; a dataset has {DATASET_KEYS}")
        if entry["metric"] not in METRICS:
            raise RecipeTableError(f"{here}: metric must be one of {METRICS}, got {entry['metric']!r}")
        if not isinstance(entry["tasks"], list) or not all(isinstance(t, str) for t in entry["tasks"]):
            raise RecipeTableError(f"{here}: tasks must be a list of task keys such as [A2W, D2W]")
        datasets[str(name)] = {
            "title": str(entry["title"]),
            "metric": entry["metric"],
            "tasks": list(entry["tasks"]),
            "domains": {str(k): str(v) for k, v in mapping(entry["domains"], f"{here}.domains").items()},
            "labels": {str(k): str(v) for k, v in mapping(entry.get("labels"), f"{here}.labels").items()},
        }
    return datasets


def read_sweep(value: Any, where: str) -> Sweep:
    """``sweep:`` checked: axes are non-empty lists of plain values; ``experiment`` is not
    one (the rows are)."""
    where = f"{where}: sweep"
    value = mapping(value, where)
    unknown = sorted(set(value) - set(SWEEP_KEYS))
    if unknown or not value.get("axes"):
        raise RecipeTableError(f"{where}: unknown keys {unknown} or no axes; a sweep has {SWEEP_KEYS}, axes required")
    axes = mapping(value["axes"], f"{where}.axes")
    for key, values in axes.items():
        if key == "experiment":
            raise RecipeTableError(f"{where}.axes: experiment is not an axis: every row of the table is swept")
        if not isinstance(values, list) or not values or any(isinstance(v, (dict, list)) for v in values):
            raise RecipeTableError(f"{where}.axes.{key}: expected a non-empty list of values, got {values!r}")
    launcher = mapping(value.get("launcher"), f"{where}.launcher")
    if launcher and not launcher.get("override"):
        raise RecipeTableError(f"{where}.launcher: name the hydra/launcher option as override: <name>")
    notes = value.get("notes")
    return Sweep(
        {str(k): list(v) for k, v in axes.items()},
        dict(launcher),
        dict(mapping(value.get("settings"), f"{where}.settings")),
        str(notes).rstrip("\n") if notes else None,
    )
