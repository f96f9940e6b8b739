"""A benchmark's recipe table (``dalearn/recipes/<benchmark>.yaml``) and its validation.

The table is the one file of a benchmark: its rows are the experiments
(``conf/experiment/<benchmark>/<row>.yaml``), in the order the sweep ``benchmark=<benchmark>``
runs them (``conf/benchmark/<benchmark>.yaml``), with the display names and published numbers
the result tables show (``dalearn/tables/reference.json``) — all three generated from it. A
YAML mapping::

    title: Office-31                                    # the benchmark as the comments name it
    order: 1                                            # where its tables come among the benchmarks'
    groups: {data: office31, backbone: resnet50, trainer: gpu}   # config-group options of every row
    example: data.task=A2W data.root=<root> seed=0      # the rest of the example command line
    source: Transfer-Learning-Library, examples/.../{method}.sh   # where a row's numbers come from
    notes: Runs on one GPU …                            # said in every generated file (optional)
    paper: the original papers' averages …              # where the rows' paper numbers come from
    datasets: {office31: {title: …, metric: …, tasks: […], domains: {…}}}   # (dalearn.recipes.benchmark)
    sweep: {axes: {data.task: […], seed: [0, 1, 2]}}    # the sweep: every row × the axes
    every_row: {batch_size: 32}                         # columns every row has unless it sets them
    every_method: false                                 # true: every conf/method/*.yaml is a row
    methods:                                            # one row per method, in the sweep's order
      dann: {label: DANN, paper: 82.2, lr: 0.01, lr_gamma: 0.001, weight_decay: 0.001, epochs: 20, iters: 1000}

A row's keys are the short columns of :data:`COLUMNS` (``lr`` → ``optim.lr``, ``epochs`` →
``trainer.max_epochs`` …), ``method: {key: value}`` for the method's own keys, a dotted
``<section>.<key>`` for anything else (``optim.momentum: 0.0``), a group option that differs
from the table's (``backbone: resnet50``), and the texts ``source`` (replacing the table's;
``{method}`` is filled in), ``note`` (why the row is as it is), ``label`` (the method's name in
the result tables; given once, in any table, and the same wherever repeated) and ``paper`` (the
published number, ``null`` where the paper reports none). Every key must exist in the
config it lands in, so a misspelt key is an error, not a new key; ``method:`` may nest, for
the method's network (``method: {classifier: {bottleneck_dim: 1024}}``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml

from dalearn.recipes import config_keys
from dalearn.recipes.benchmark import RecipeTableError, Sweep, mapping, read_datasets, read_sweep
from dalearn.recipes.paths import CONF_DIR, TABLE_DIR, shown

COLUMNS = {
    "lr": "optim.lr",
    "lr_gamma": "optim.lr_gamma",
    "weight_decay": "optim.weight_decay",
    "backbone_lr_mult": "optim.backbone_lr_mult",
    "trade_off": "method.trade_off",
    "epochs": "trainer.max_epochs",
    "iters": "data.iters_per_epoch",
    "batch_size": "data.batch_size",
}
SECTIONS = ("optim", "method", "trainer", "data")  # the order the generated files set them in
GROUPS = ("data", "backbone", "trainer")  # the method group is the row's name
TEXTS = ("source", "note", "label")
TABLE_KEYS = (
    "title",
    "order",
    "groups",
    "example",
    "source",
    "notes",
    "paper",
    "datasets",
    "sweep",
    "every_row",
    "every_method",
    "methods",
)
#: the place of a table without ``order`` among the benchmarks (after every numbered one)
LAST = 1_000
NUMBERS = {"lr", "lr_gamma", "weight_decay", "trade_off"}
INTEGERS = {"epochs", "iters", "batch_size"}


@dataclass(frozen=True)
class Recipe:
    """One row: the experiment ``<benchmark>/<method>``."""

    benchmark: str
    method: str
    groups: dict[str, str]  # data/backbone/trainer option (data absent: the sweep chooses it)
    settings: dict[str, dict[str, Any]]  # section → {key: value}, in the order they are written
    source: str
    note: Optional[str]
    label: Optional[str] = None
    paper: Optional[float] = None
    has_paper: bool = False

    @property
    def experiment(self) -> str:
        return f"{self.benchmark}/{self.method}"


@dataclass(frozen=True)
class RecipeTable:
    benchmark: str
    path: Path
    title: str
    example: str
    notes: Optional[str]
    recipes: tuple[Recipe, ...]
    sweep: Sweep
    order: int = LAST
    paper_source: Optional[str] = None
    datasets: dict = field(default_factory=dict)

    def recipe(self, method: str) -> Recipe:
        for recipe in self.recipes:
            if recipe.method == method:
                return recipe
        raise KeyError(f"{shown(self.path)} has no row {method!r}; rows: {[r.method for r in self.recipes]}")


def _check_value(name: str, value: Any, where: str) -> None:
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            pass
        else:
            raise RecipeTableError(
                f"{where}: {name}: {value!r} is read as text; write the number with a decimal point "
                f"(e.g. 0.001 or 1.0e-3)"
            )
    if name in NUMBERS and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise RecipeTableError(f"{where}: {name} must be a number, got {value!r}")
    if name in INTEGERS and (isinstance(value, bool) or not isinstance(value, int)):
        raise RecipeTableError(f"{where}: {name} must be a whole number, got {value!r}")
    if isinstance(value, dict) and name.startswith("method."):
        for key, inner in value.items():
            _check_value(f"{name}.{key}", inner, where)
        return
    scalars = (bool, int, float, str, type(None))
    if not isinstance(value, scalars) and not (isinstance(value, list) and all(isinstance(v, scalars) for v in value)):
        raise RecipeTableError(f"{where}: {name} must be a number, text, true/false or a list of them, got {value!r}")


def _set_once(settings: dict, section: str, key: str, value: Any, where: str) -> None:
    if key in settings[section]:
        raise RecipeTableError(
            f"{where}: {section}.{key} is given twice (a column and a key of the same name); keep one"
        )
    settings[section][key] = value


def _settings(row: dict, where: str) -> dict[str, dict[str, Any]]:
    """Row columns → {section: {key: value}}: the columns first, then ``method:``, then dotted keys."""
    settings: dict[str, dict[str, Any]] = {section: {} for section in SECTIONS}
    for name, target in COLUMNS.items():
        if name in row:
            _check_value(name, row[name], where)
            section, key = target.split(".")
            settings[section][key] = row[name]
    for key, value in mapping(row.get("method"), f"{where}: method").items():
        _check_value(f"method.{key}", value, where)
        _set_once(settings, "method", str(key), value, where)
    for name, value in row.items():
        if name in COLUMNS or name in GROUPS or name in TEXTS or name in ("method", "paper"):
            continue
        section, _, key = str(name).partition(".")
        if section not in SECTIONS or not key or "." in key:
            raise RecipeTableError(
                f"{where}: unknown column {name!r}; use one of {sorted(COLUMNS)}, the groups {list(GROUPS)}, "
                f"{list(TEXTS)}, method: {{key: value}} or a dotted <section>.<key> with section in {list(SECTIONS)}"
            )
        _check_value(name, value, where)
        _set_once(settings, section, key, value, where)
    return {section: values for section, values in settings.items() if values}


def _validate_keys(recipe: Recipe, conf_dir: Path, where: str) -> None:
    """Every group option exists and every key is one its config already has."""
    chosen = {**config_keys.default_options(conf_dir), **recipe.groups, "method": recipe.method}
    for group in ("method", *recipe.groups):
        option = chosen[group]
        if config_keys.option_file(conf_dir, group, option) is None:
            raise RecipeTableError(
                f"{where}: there is no config {group}={option} ({shown(conf_dir / group)}/{option}.yaml); "
                f"options: {config_keys.options(conf_dir, group)}"
            )
    for section, values in recipe.settings.items():
        option = chosen[section]
        _check_keys(
            values, config_keys.option_tree(conf_dir, section, option), section, conf_dir / section / option, where
        )


def _check_keys(values: dict, known: dict, prefix: str, config: Path, where: str) -> None:
    """Every key of ``values`` is one of ``known`` (nested mappings, such as the method's
    ``classifier``, checked key by key)."""
    for key, value in values.items():
        if key not in known:
            raise RecipeTableError(
                f"{where}: {prefix}.{key} is not a key of {shown(config)}.yaml (misspelt?); its keys: {sorted(known)}"
            )
        if isinstance(value, dict):
            if not isinstance(known[key], dict):
                raise RecipeTableError(f"{where}: {prefix}.{key} is a value in {shown(config)}.yaml, not a mapping")
            _check_keys(value, known[key], f"{prefix}.{key}", config, where)


def load_table(path: Path, conf_dir: Path = CONF_DIR) -> RecipeTable:
    """Read and validate ``<benchmark>.yaml``; raises :class:`RecipeTableError` naming what is wrong."""
    path = Path(path)
    benchmark = path.stem
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise RecipeTableError(f"{shown(path)} is not valid YAML: {error}") from error
    data = mapping(data, shown(path))
    unknown = sorted(set(data) - set(TABLE_KEYS))
    if unknown:
        raise RecipeTableError(f"{shown(path)}: unknown keys {unknown}; a table has {list(TABLE_KEYS)}")
    for required in ("title", "source", "sweep", "methods"):
        if not data.get(required):
            raise RecipeTableError(f"{shown(path)}: missing {required!r} (a table has {list(TABLE_KEYS)})")
    groups = {str(k): str(v) for k, v in mapping(data.get("groups"), f"{shown(path)}: groups").items()}
    if set(groups) - set(GROUPS):
        raise RecipeTableError(f"{shown(path)}: groups may set {list(GROUPS)}, not {sorted(set(groups) - set(GROUPS))}")
    every_row = mapping(data.get("every_row"), f"{shown(path)}: every_row")
    rows = dict(mapping(data["methods"], f"{shown(path)}: methods"))
    if data.get("every_method"):  # the registry: every method config, the listed rows first
        rows.update({name: {} for name in config_keys.options(Path(conf_dir), "method") if name not in rows})
    recipes = []
    for method, row in rows.items():
        where = f"{shown(path)}, row {method}"
        own = mapping(row, where)
        row = {**every_row, **own}
        if "method" in every_row and "method" in own:
            row["method"] = {**mapping(every_row["method"], where), **mapping(own["method"], where)}
        paper = row.get("paper")
        if paper is not None and (isinstance(paper, bool) or not isinstance(paper, (int, float))):
            raise RecipeTableError(f"{where}: paper must be the published number or null, got {paper!r}")
        recipe = Recipe(
            benchmark=benchmark,
            method=str(method),
            groups={g: str(row.get(g, groups[g])) for g in GROUPS if g in row or g in groups},
            settings=_settings(row, where),
            source=str(row.get("source", data["source"])).format(method=method),
            note=row.get("note"),
            label=str(row["label"]) if row.get("label") else None,
            paper=paper,
            has_paper="paper" in row,
        )
        _validate_keys(recipe, Path(conf_dir), where)
        recipes.append(recipe)
    order = data.get("order", LAST)
    if isinstance(order, bool) or not isinstance(order, int):
        raise RecipeTableError(f"{shown(path)}: order must be a whole number, got {order!r}")
    return RecipeTable(
        benchmark,
        path,
        str(data["title"]),
        str(data.get("example", "")),
        data.get("notes"),
        tuple(recipes),
        sweep=read_sweep(data.get("sweep"), shown(path)),
        order=order,
        paper_source=str(data["paper"]) if data.get("paper") else None,
        datasets=read_datasets(data.get("datasets"), shown(path)),
    )


def table_paths(table_dir: Path = TABLE_DIR) -> list[Path]:
    return sorted(Path(table_dir).glob("*.yaml"))


def load_tables(table_dir: Path = TABLE_DIR, conf_dir: Path = CONF_DIR) -> list[RecipeTable]:
    """Every table under ``table_dir``, by ``order`` then name."""
    paths = table_paths(table_dir)
    if not paths:
        raise RecipeTableError(f"no recipe tables (*.yaml) in {shown(Path(table_dir))}")
    return sorted((load_table(path, conf_dir) for path in paths), key=lambda table: (table.order, table.benchmark))
