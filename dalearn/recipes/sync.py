"""Compare the files generated from the recipe tables with the ones on disk and bring them in
line. Generated: every row's ``conf/experiment/<benchmark>/<row>.yaml``, every table's sweep
``conf/benchmark/<benchmark>.yaml`` and ``dalearn/tables/reference.json``.

:func:`differences` lists every file that is stale (differs from what its table generates),
missing, or orphan (an experiment file or benchmark folder without a row, a generated sweep
config without a table); :func:`write_generated` rewrites the stale and missing ones and
removes the orphans that carry the generated header. A hand-written orphan experiment is never
removed: the message says to add its row. A hand-written sweep config (a hyper-parameter grid
such as ``benchmark=offline_hparams``) is no orphan: it belongs to no table.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dalearn.io import atomic_write_text
from dalearn.recipes.paths import CONF_DIR, REFERENCE_FILE, TABLE_DIR, WRITE_COMMAND, shown
from dalearn.recipes.reference import render_reference
from dalearn.recipes.render import GENERATED_MARK, render_experiment
from dalearn.recipes.sweep import render_benchmark
from dalearn.recipes.table import RecipeTable


@dataclass(frozen=True)
class Difference:
    path: Path
    kind: str  # "stale", "missing" or "orphan"
    message: str


def expected_files(
    tables: list[RecipeTable], conf_dir: Path = CONF_DIR, reference_file: Path = REFERENCE_FILE
) -> dict[Path, tuple[str, str]]:
    """Every generated file's path → (what generates it, its text)."""
    conf_dir = Path(conf_dir)
    files = {}
    for table in tables:
        for recipe in table.recipes:
            path = conf_dir / "experiment" / recipe.benchmark / f"{recipe.method}.yaml"
            files[path] = (f"row {recipe.method} of {shown(table.path)}", render_experiment(table, recipe))
        files[conf_dir / "benchmark" / f"{table.benchmark}.yaml"] = (shown(table.path), render_benchmark(table))
    files[Path(reference_file)] = ("dalearn/recipes/*.yaml", render_reference(tables))
    return files


def is_generated(path: Path) -> bool:
    lines = path.read_text(encoding="utf-8").splitlines()[:3]
    return any(GENERATED_MARK.strip() in line for line in lines) or '"generated":' in "".join(lines)


def differences(
    tables: list[RecipeTable], conf_dir: Path = CONF_DIR, reference_file: Path = REFERENCE_FILE
) -> list[Difference]:
    conf_dir = Path(conf_dir)
    expected = expected_files(tables, conf_dir, reference_file)
    found = []
    for path, (origin, text) in expected.items():
        if not path.is_file():
            message = f"{shown(path)} is missing: {origin} generates it. Regenerate with `{WRITE_COMMAND}`."
            found.append(Difference(path, "missing", message))
        elif path.read_text(encoding="utf-8") != text:
            message = (
                f"{shown(path)} is stale: it differs from what {origin} generates (edited by hand, or the "
                f"table changed). Regenerate with `{WRITE_COMMAND}`."
            )
            found.append(Difference(path, "stale", message))
    return found + _orphans(tables, conf_dir, expected)


def _orphans(tables: list[RecipeTable], conf_dir: Path, expected: dict) -> list[Difference]:
    tables_by_name = {table.benchmark: table for table in tables}
    found = []
    experiment_dir = conf_dir / "experiment"
    for path in sorted(experiment_dir.rglob("*.yaml")):
        if path in expected:
            continue
        table = tables_by_name.get(path.relative_to(experiment_dir).parts[0])
        where = (
            f"a row {path.stem} to {shown(table.path)}"
            if table
            else f"a recipe table {shown(TABLE_DIR / (path.relative_to(experiment_dir).parts[0] + '.yaml'))}"
        )
        removal = (
            f"or remove it with `{WRITE_COMMAND}`"
            if is_generated(path)
            else "or delete the file (it is hand-written, so --write leaves it)"
        )
        message = f"{shown(path)} has no recipe: add {where} and run `{WRITE_COMMAND}`, {removal}."
        found.append(Difference(path, "orphan", message))
    for path in sorted((conf_dir / "benchmark").glob("*.yaml")):
        if path not in expected and is_generated(path):
            message = f"{shown(path)} has no recipe table any more: remove it with `{WRITE_COMMAND}`."
            found.append(Difference(path, "orphan", message))
    return found


def write_generated(
    tables: list[RecipeTable], conf_dir: Path = CONF_DIR, reference_file: Path = REFERENCE_FILE
) -> tuple[list[Difference], list[Difference]]:
    """Fix what :func:`differences` finds; returns (fixed, left) — ``left``: hand-written orphans."""
    expected = expected_files(tables, conf_dir, reference_file)
    fixed, left = [], []
    for difference in differences(tables, conf_dir, reference_file):
        if difference.kind in ("stale", "missing"):
            difference.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(difference.path, expected[difference.path][1])
            fixed.append(difference)
        elif is_generated(difference.path):
            difference.path.unlink()
            fixed.append(difference)
        else:
            left.append(difference)
    return fixed, left
