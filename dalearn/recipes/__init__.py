"""Recipes as data: one table per benchmark (``dalearn/recipes/<benchmark>.yaml``) holds, for
each method, the hyperparameters of its published recipe and where they come from; the
experiment configs ``conf/experiment/<benchmark>/<method>.yaml`` are generated from the tables
and checked in.

    python -m dalearn.recipes --write    # regenerate the experiment configs from the tables
    python -m dalearn.recipes --check    # exit 1 naming every stale, missing or orphan file

Adding a method to a benchmark is one row of its table. This package reads YAML and writes
text only (PyYAML and the standard library): it imports neither Hydra nor Lightning.
"""

from dalearn.recipes.render import render_experiment
from dalearn.recipes.sync import Difference, differences, write_experiments
from dalearn.recipes.table import Recipe, RecipeTable, RecipeTableError, load_table, load_tables

__all__ = [
    "Difference",
    "Recipe",
    "RecipeTable",
    "RecipeTableError",
    "differences",
    "load_table",
    "load_tables",
    "render_experiment",
    "write_experiments",
]
