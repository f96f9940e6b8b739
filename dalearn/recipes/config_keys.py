"""What the config directory offers a recipe row: the options of a config group, the keys an
option's YAML file sets (following its ``defaults`` list within the group), and the options
``train.yaml`` picks when nothing overrides them. Plain YAML reading — no Hydra — so a typo in
a table (``bottleneck_dims``) is caught before it becomes a silently added config key."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Optional

import yaml


@lru_cache(maxsize=None)
def _load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    return data


def option_file(conf_dir: Path, group: str, option: str) -> Optional[Path]:
    """``conf/<group>/<option>.yaml`` if it exists, else None."""
    path = Path(conf_dir) / group / f"{option}.yaml"
    return path if path.is_file() else None


def options(conf_dir: Path, group: str) -> list[str]:
    root = Path(conf_dir) / group
    return sorted(str(p.relative_to(root).with_suffix("")) for p in root.rglob("*.yaml"))


def default_options(conf_dir: Path) -> dict[str, str]:
    """The option of each group that ``train.yaml`` composes when nothing overrides it."""
    chosen = {}
    for entry in _load(Path(conf_dir) / "train.yaml").get("defaults", []):
        if isinstance(entry, dict):
            for group, option in entry.items():
                if option is not None:
                    chosen[group] = str(option)
    return chosen


def option_tree(conf_dir: Path, group: str, option: str) -> dict:
    """The keys of ``conf/<group>/<option>.yaml`` merged over the same-group options it extends,
    nested as in the file (values kept only to tell a mapping from a leaf)."""
    path = option_file(conf_dir, group, option)
    if path is None:
        raise FileNotFoundError(f"no config {group}={option} ({Path(conf_dir) / group / (option + '.yaml')})")
    data = _load(path)
    tree: dict = {}
    for entry in data.get("defaults", []):
        if isinstance(entry, str) and entry != "_self_":
            _merge(tree, option_tree(conf_dir, group, entry))
    _merge(tree, {key: value for key, value in data.items() if key != "defaults"})
    return tree


def _merge(into: dict, tree: dict) -> None:
    for key, value in tree.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def option_keys(conf_dir: Path, group: str, option: str) -> set[str]:
    """Top-level keys of ``conf/<group>/<option>.yaml`` and of the same-group options it extends."""
    return set(option_tree(conf_dir, group, option))
