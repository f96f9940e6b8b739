"""A recipe table → the text of its sweep config ``conf/benchmark/<benchmark>.yaml``.

``benchmark=<benchmark>`` then runs every row of the table (``experiment=<benchmark>/<row>``,
in the table's order — Hydra's sweeper varies the first parameter slowest, so a row runs after
every row above it has been launched) × the table's ``sweep.axes``, one run directory each
under ``<output_root>/benchmark/<benchmark>/``. A row added to the table is in the next sweep.
"""

from __future__ import annotations

import math

import yaml

from dalearn.recipes.paths import WRITE_COMMAND, shown
from dalearn.recipes.render import GENERATED_MARK, comment
from dalearn.recipes.table import RecipeTable


def sweep_params(table: RecipeTable) -> dict[str, str]:
    """Hydra's ``sweeper.params``: the rows as ``experiment``, then each axis, comma-joined."""
    params = {"experiment": ",".join(recipe.experiment for recipe in table.recipes)}
    params.update({key: ",".join(str(value) for value in values) for key, values in table.sweep.axes.items()})
    return params


def run_count(table: RecipeTable) -> int:
    return len(table.recipes) * math.prod(len(values) for values in table.sweep.axes.values())


def render_benchmark(table: RecipeTable) -> str:
    sweep = table.sweep
    sizes = " × ".join(f"{key} ({len(values)})" for key, values in sweep.axes.items())
    lines = [
        "# @package _global_",
        f"{GENERATED_MARK}{shown(table.path)} by `{WRITE_COMMAND}`;",
        "# do not edit by hand: change the table and regenerate (`--check` names a stale file).",
    ]
    lines += comment(
        f"benchmark={table.benchmark}, {table.title}: the table's {len(table.recipes)} rows "
        f"(experiment={table.benchmark}/<row>, in its order) × {sizes} = {run_count(table)} runs, one run directory each under "
        f"outputs/benchmark/{table.benchmark}/<data>/<method>/seed<k>-<hash>. Launching the sweep again skips the "
        "finished runs and restarts the unfinished ones."
    )
    if sweep.notes:
        lines += [f"# {line}".rstrip() for line in sweep.notes.splitlines()]
    body: dict = {}
    if sweep.launcher:
        body["defaults"] = [{"override /hydra/launcher": sweep.launcher["override"]}]
    body.update(sweep.settings)
    hydra: dict = {"mode": "MULTIRUN"}
    launcher = {key: value for key, value in sweep.launcher.items() if key != "override"}
    if launcher:
        hydra["launcher"] = launcher
    hydra["sweep"] = {"dir": f"${{paths.output_root}}/benchmark/{table.benchmark}"}
    hydra["sweeper"] = {"params": sweep_params(table)}
    body["hydra"] = hydra
    return "\n".join(lines) + "\n" + yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=10_000)
