"""What a sweep was asked to run, read from the ``multirun.yaml`` Hydra writes into its sweep
folder: the seeds, methods and tasks of the grid. The tables use it to show runs that never
started (missing seeds, methods or tasks), not only those found on disk.

The grid is the sweeper's ``params`` with the command-line overrides on top (a key given on
the command line replaces that axis, as Hydra's basic sweeper does). An ``experiment=``
axis names methods through the recipes' ``override /method: <name>`` defaults.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from dalearn.io.trusted.configs import yaml_data
from dalearn.run.config import CONFIG_DIR

GRID_FILE = "multirun.yaml"


@dataclass(frozen=True)
class Grid:
    """The axes of one launched sweep (empty sets where the grid does not say)."""

    directory: Path
    seeds: frozenset[int] = field(default_factory=frozenset)
    methods: frozenset[str] = field(default_factory=frozenset)
    tasks: frozenset[str] = field(default_factory=frozenset)

    def covers(self, path: Path) -> bool:
        """Whether a run at ``path`` belongs to this sweep (lies under its folder)."""
        return path == self.directory or self.directory in path.parents


def _axes(overrides: list[str]) -> dict[str, list[str]]:
    from hydra.core.override_parser.overrides_parser import OverridesParser

    axes: dict[str, list[str]] = {}
    for override in OverridesParser.create().parse_overrides(overrides):
        key = override.key_or_group
        if not override.is_sweep_override():
            axes[key] = [override.get_value_element_as_str()]
        elif override.is_discrete_sweep():
            try:
                axes[key] = list(override.sweep_string_iterator())
            except Exception:
                axes.pop(key, None)
        else:
            axes.pop(key, None)
    return axes


def _yaml(path: Path) -> Optional[dict]:
    if not path.is_file():
        return None
    loaded = yaml_data(path)
    return loaded if isinstance(loaded, dict) else None


def method_of_option(option: str) -> str:
    """The ``method.name`` of a ``method=<option>`` config (the option itself if unknown)."""
    config = _yaml(Path(CONFIG_DIR) / "method" / f"{option}.yaml") or {}
    return str(config.get("name", option))


def method_of_experiment(experiment: str) -> Optional[str]:
    """The method an ``experiment=<name>`` recipe selects, or None if it cannot be told."""
    config = _yaml(Path(CONFIG_DIR) / "experiment" / f"{experiment}.yaml")
    if config is None:
        return None
    named = (config.get("method") or {}).get("name") if isinstance(config.get("method"), dict) else None
    if named:
        return str(named)
    for entry in config.get("defaults") or []:
        if isinstance(entry, dict):
            for key, value in entry.items():
                if key.split()[-1].lstrip("/") == "method" and isinstance(value, str):
                    return method_of_option(value)
    return None


def read_grid(sweep_file: Path) -> Grid:
    """The grid of one ``multirun.yaml``; raises ValueError if its overrides cannot be parsed.
    The file is read as plain data (:func:`dalearn.io.trusted.configs.yaml_data`): nothing in
    it is resolved or built."""
    config = yaml_data(sweep_file, key="the sweep file")
    if not isinstance(config, dict):
        raise ValueError(f"{sweep_file} is not a mapping")
    hydra = config.get("hydra") if isinstance(config.get("hydra"), dict) else {}
    params = (hydra.get("sweeper") or {}).get("params") or {}
    task_overrides = (hydra.get("overrides") or {}).get("task") or []
    axes = _axes([f"{key}={value}" for key, value in params.items()] + [str(o) for o in task_overrides])
    seeds = axes.get("seed")
    if seeds is None and isinstance(config.get("seed"), int):
        seeds = [str(config.get("seed"))]
    methods = {method_of_option(value) for value in axes.get("method", [])}
    methods |= {m for m in (method_of_experiment(value) for value in axes.get("experiment", [])) if m}
    return Grid(
        directory=sweep_file.parent,
        seeds=frozenset(int(seed) for seed in seeds or []),
        methods=frozenset(methods),
        tasks=frozenset(axes.get("data.task", [])),
    )


def read_grids(root: Path, warn: Optional[Callable[[str], None]] = None) -> list[Grid]:
    """Every sweep grid under ``root`` (and in ``root`` itself). A file that cannot be read is
    reported through ``warn`` (default: a warning on the ``dalearn`` logger) and left out:
    expectations then come from the runs on disk."""
    warn = warn or logging.getLogger("dalearn").warning
    grids = []
    for sweep_file in sorted(root.rglob(GRID_FILE)):
        if any(part.startswith(".") for part in sweep_file.relative_to(root).parts[:-1]):
            continue
        try:
            grids.append(read_grid(sweep_file))
        except Exception as error:
            warn(f"could not read the sweep grid in {sweep_file} ({error}); expecting only the runs found on disk")
    return grids
