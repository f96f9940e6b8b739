"""Recipes as data: a benchmark is one file. Its table (``dalearn/recipes/<benchmark>.yaml``)
holds, for each method, the hyperparameters of its published recipe and where they come from,
its display name and published number, the rows' sweep order and the sweep's other axes. From
the tables are generated, and checked in: the experiment configs
``conf/experiment/<benchmark>/<method>.yaml``, the sweep configs
``conf/benchmark/<benchmark>.yaml`` and the result tables' ``dalearn/tables/reference.json``.

    dalearn-recipes --write    # regenerate every generated file from the tables
    dalearn-recipes --check    # exit 1 naming every stale, missing or orphan file

Adding a method to a benchmark is one row of its table: it is then in the next
``benchmark=<benchmark>`` sweep and result table. This package reads YAML and writes text only
(PyYAML and the standard library): it imports neither Hydra nor Lightning.
"""

from dalearn.recipes.benchmark import RecipeTableError, Sweep
from dalearn.recipes.reference import render_reference
from dalearn.recipes.render import render_experiment
from dalearn.recipes.sweep import render_benchmark
from dalearn.recipes.sync import Difference, differences, write_generated
from dalearn.recipes.table import Recipe, RecipeTable, load_table, load_tables

__all__ = [
    "Difference",
    "Recipe",
    "RecipeTable",
    "RecipeTableError",
    "Sweep",
    "differences",
    "load_table",
    "load_tables",
    "render_benchmark",
    "render_experiment",
    "render_reference",
    "write_generated",
]
