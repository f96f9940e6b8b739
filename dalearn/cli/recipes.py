"""``dalearn-recipes --check | --write``: check the files generated from the recipe
tables — experiment configs, sweep configs, the result tables' reference — (exit 1 naming each
stale, missing or orphan file and the command that regenerates it), or regenerate them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional

from dalearn.cli.version import with_version_flag
from dalearn.recipes.paths import CONF_DIR, REFERENCE_FILE, TABLE_DIR, shown
from dalearn.recipes.sync import differences, write_generated
from dalearn.recipes.table import RecipeTableError, load_tables


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="dalearn-recipes", description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="exit 1 if a generated config is stale, missing or orphan")
    mode.add_argument("--write", action="store_true", help="regenerate the experiment configs from the tables")
    parser.add_argument("--tables", type=Path, default=TABLE_DIR, help="folder of <benchmark>.yaml recipe tables")
    parser.add_argument("--conf", type=Path, default=CONF_DIR, help="Hydra config folder (experiment/, benchmark/)")
    parser.add_argument("--reference", type=Path, default=REFERENCE_FILE, help="the result tables' reference.json")
    return parser.parse_args(argv)


@with_version_flag
def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    try:
        tables = load_tables(args.tables, args.conf)
    except RecipeTableError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    count = sum(len(table.recipes) for table in tables)
    files = f"{count} experiment configs, {len(tables)} sweep configs and the reference"
    if args.check:
        found = differences(tables, args.conf, args.reference)
        for difference in found:
            print(difference.message, file=sys.stderr)
        if not found:
            print(f"{files} in {shown(args.conf)} match {len(tables)} recipe tables")
        return 1 if found else 0
    fixed, left = write_generated(tables, args.conf, args.reference)
    for difference in fixed:
        verb = "removed" if difference.kind == "orphan" else "wrote"
        print(f"{verb} {shown(difference.path)}")
    for difference in left:
        print(difference.message, file=sys.stderr)
    print(f"{files} from {len(tables)} recipe tables: {len(fixed)} changed")
    return 1 if left else 0
