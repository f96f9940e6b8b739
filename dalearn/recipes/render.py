"""One recipe row → the text of its experiment config ``conf/experiment/<benchmark>/<method>.yaml``.

The file opens with Hydra's ``# @package _global_`` line (it must come first), then a header
saying it is generated and from what, the row's source and note, an example command, the
table's notes; then the group overrides and the row's values, section by section. The values
are written by PyYAML, so what Hydra reads back is exactly the number in the table.
"""

from __future__ import annotations

import textwrap

import yaml

from dalearn.recipes.paths import WRITE_COMMAND, shown
from dalearn.recipes.table import Recipe, RecipeTable

GENERATED_MARK = "# GENERATED from "
WIDTH = 100


def comment(text: str) -> list[str]:
    return ["# " + line for line in textwrap.wrap(" ".join(str(text).split()), WIDTH - 2, break_on_hyphens=False)]


def header(table: RecipeTable) -> list[str]:
    return [
        "# @package _global_",
        f"{GENERATED_MARK}{shown(table.path)} by `{WRITE_COMMAND}`;",
        "# do not edit by hand: change the table's row and regenerate (`--check` names a stale file).",
    ]


def render_experiment(table: RecipeTable, recipe: Recipe) -> str:
    lines = header(table)
    lines += comment(f"{recipe.method} on {table.title} — recipe from {recipe.source}.")
    if recipe.note:
        lines += comment(recipe.note)
    lines.append(f"#   dalearn-train experiment={recipe.experiment} {table.example}".rstrip())
    if table.notes:
        lines += comment(table.notes)
    lines.append("defaults:")
    overrides = {
        **({"data": recipe.groups["data"]} if "data" in recipe.groups else {}),
        "method": recipe.method,
        **{g: recipe.groups[g] for g in ("backbone", "trainer") if g in recipe.groups},
    }
    lines += [f"  - override /{group}: {option}" for group, option in overrides.items()]
    text = "\n".join(lines) + "\n"
    if recipe.settings:
        text += "\n" + yaml.safe_dump(
            recipe.settings, sort_keys=False, default_flow_style=False, allow_unicode=True, width=WIDTH
        )
    return text
