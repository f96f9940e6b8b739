"""Compare the generated experiment configs with the files under ``conf/experiment/`` and
bring them in line: :func:`differences` lists every file that is stale (differs from what its
row generates), missing (a row without a file) or orphan (a file, or a benchmark folder,
without a row); :func:`write_experiments` rewrites the stale and missing ones and removes the
orphans that carry the generated header. A hand-written orphan is never removed: the message
says to add its row."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dalearn.io import atomic_write_text
from dalearn.recipes.paths import CONF_DIR, TABLE_DIR, WRITE_COMMAND, shown
from dalearn.recipes.render import GENERATED_MARK, render_experiment
from dalearn.recipes.table import RecipeTable


@dataclass(frozen=True)
class Difference:
    path: Path
    kind: str  # "stale", "missing" or "orphan"
    message: str


def expected_files(tables: list[RecipeTable], experiment_dir: Path) -> dict[Path, tuple[RecipeTable, str]]:
    """Every generated file's path → (its table, its text)."""
    return {
        Path(experiment_dir) / recipe.benchmark / f"{recipe.method}.yaml": (table, render_experiment(table, recipe))
        for table in tables
        for recipe in table.recipes
    }


def is_generated(path: Path) -> bool:
    lines = path.read_text(encoding="utf-8").splitlines()[:3]
    return any(line.startswith(GENERATED_MARK) for line in lines)


def differences(tables: list[RecipeTable], experiment_dir: Path = CONF_DIR / "experiment") -> list[Difference]:
    experiment_dir = Path(experiment_dir)
    expected = expected_files(tables, experiment_dir)
    found = []
    for path, (table, text) in expected.items():
        row = f"row {path.stem} of {shown(table.path)}"
        if not path.is_file():
            message = f"{shown(path)} is missing: {row} generates it. Regenerate with `{WRITE_COMMAND}`."
            found.append(Difference(path, "missing", message))
        elif path.read_text(encoding="utf-8") != text:
            message = (
                f"{shown(path)} is stale: it differs from what {row} generates (edited by hand, or the "
                f"table changed). Regenerate with `{WRITE_COMMAND}`."
            )
            found.append(Difference(path, "stale", message))
    tables_by_name = {table.benchmark: table for table in tables}
    for path in sorted(experiment_dir.rglob("*.yaml")):
        if path in expected:
            continue
        benchmark = path.relative_to(experiment_dir).parts[0]
        table = tables_by_name.get(benchmark)
        where = (
            f"a row {path.stem} to {shown(table.path)}"
            if table
            else f"a recipe table {shown(TABLE_DIR / (benchmark + '.yaml'))}"
        )
        removal = (
            f"or remove it with `{WRITE_COMMAND}`"
            if is_generated(path)
            else "or delete the file (it is hand-written, so --write leaves it)"
        )
        message = f"{shown(path)} has no recipe: add {where} and run `{WRITE_COMMAND}`, {removal}."
        found.append(Difference(path, "orphan", message))
    return found


def write_experiments(
    tables: list[RecipeTable], experiment_dir: Path = CONF_DIR / "experiment"
) -> tuple[list[Difference], list[Difference]]:
    """Fix what :func:`differences` finds; returns (fixed, left) — ``left``: hand-written orphans."""
    experiment_dir = Path(experiment_dir)
    expected = expected_files(tables, experiment_dir)
    fixed, left = [], []
    for difference in differences(tables, experiment_dir):
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
