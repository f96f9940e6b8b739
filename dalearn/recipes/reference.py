"""The recipe tables → ``dalearn/tables/reference.json``, what the result tables know: the
methods in table order with their display names, and per dataset its title, metric, task
order, domains, column labels and (for a table with ``paper:``) the published numbers.

The method order merges the tables' row orders, table by table (by ``order``): a method first
seen in a later table goes right after the row above it there. A method's label is the first
``label`` a table gives it; another table may repeat it, not change it.
"""

from __future__ import annotations

import json

from dalearn.recipes.benchmark import RecipeTableError
from dalearn.recipes.paths import WRITE_COMMAND, shown
from dalearn.recipes.table import RecipeTable


def method_order(tables: list[RecipeTable]) -> list[str]:
    order: list[str] = []
    for table in tables:
        previous = None
        for recipe in table.recipes:
            if recipe.method not in order:
                order.insert(order.index(previous) + 1 if previous is not None else 0, recipe.method)
            previous = recipe.method
    return order


def method_labels(tables: list[RecipeTable]) -> dict[str, str]:
    labels: dict[str, tuple[str, RecipeTable]] = {}
    for table in tables:
        for recipe in table.recipes:
            if recipe.label is None:
                continue
            first = labels.setdefault(recipe.method, (recipe.label, table))
            if first[0] != recipe.label:
                raise RecipeTableError(
                    f"{shown(table.path)}, row {recipe.method}: label {recipe.label!r} differs from "
                    f"{first[0]!r} in {shown(first[1].path)}; a method has one name in the result tables"
                )
    return {method: label for method, (label, _) in labels.items()}


def reference(tables: list[RecipeTable]) -> dict:
    """The content of ``reference.json``."""
    labels = method_labels(tables)
    datasets: dict[str, dict] = {}
    for table in tables:
        for name, entry in table.datasets.items():
            if name in datasets:
                raise RecipeTableError(f"{shown(table.path)}: dataset {name} is described by another table too")
            datasets[name] = dict(entry)
            if table.paper_source:
                numbers = {recipe.method: recipe.paper for recipe in table.recipes if recipe.has_paper}
                datasets[name]["paper"] = {"source": table.paper_source, "numbers": numbers}
    return {
        "generated": f"from dalearn/recipes/*.yaml by `{WRITE_COMMAND}`; do not edit by hand",
        "methods": [[method, labels.get(method, method)] for method in method_order(tables)],
        "datasets": datasets,
    }


def render_reference(tables: list[RecipeTable]) -> str:
    """``reference.json``'s text: one line per method and per dataset field."""
    data = reference(tables)
    methods = ",\n".join(f"    {json.dumps(entry, ensure_ascii=False)}" for entry in data["methods"])
    datasets = ",\n".join(
        f"    {json.dumps(name)}: {{\n" + ",\n".join(_field(key, value, 6) for key, value in entry.items()) + "\n    }"
        for name, entry in data["datasets"].items()
    )
    return (
        f'{{\n  "generated": {json.dumps(data["generated"])},\n  "methods": [\n{methods}\n  ],\n'
        f'  "datasets": {{\n{datasets}\n  }}\n}}\n'
    )


def _field(key: str, value: object, indent: int) -> str:
    """One ``"key": value`` line; the paper's mapping one line per entry."""
    pad = " " * indent
    if key == "paper":
        inner = ",\n".join(_field(k, v, indent + 2) for k, v in value.items())
        return f"{pad}{json.dumps(key)}: {{\n{inner}\n{pad}}}"
    return f"{pad}{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}"
