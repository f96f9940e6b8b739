"""``dalearn-collect SWEEP_DIR``: the result tables of a sweep, in the published layout.

Reads only the run directories' files (``config.yaml``, ``metrics.json``, ``done``) and the
sweep's ``multirun.yaml``; never retrains or re-evaluates. Writes, per selection rule found
in the runs' ``metrics.json`` (oracle, src_val, last), ``<rule>.md``, ``<rule>.csv`` and
``<rule>.tex`` (and ``<rule>.png`` with ``--plot``) into ``SWEEP_DIR/tables/`` — or into
``tables/<group>/`` when the folder holds several dataset groups (e.g. Office-31 and
Office-Home) — and prints the Markdown tables.

Exit status: 0 when the tables were written (incomplete cells are marked in them), 1 with
``--strict`` when some expected run has not finished, 2 when the folder cannot be read.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Optional

from dalearn.cli.version import with_version_flag
from dalearn.io import atomic_write_text, setup_logging
from dalearn.io.ownership import ForeignFolderError
from dalearn.tables import FORMATS, CollectError, Table, build_tables, plot_table, read_grids, read_runs, to_markdown
from dalearn.tables.output_folder import claim_tables_folder

log = logging.getLogger("dalearn")


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="dalearn-collect",
        description="Build the result tables (Markdown, CSV, LaTeX) of a sweep folder from its run directories.",
    )
    parser.add_argument("sweep_dir", type=Path, help="the folder a sweep wrote, e.g. outputs/benchmark/office31")
    parser.add_argument("--out", type=Path, default=None, help="where to write the tables (default: SWEEP_DIR/tables)")
    parser.add_argument("--plot", action="store_true", help="also write a PNG bar chart per table")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 if an expected run has not finished")
    parser.add_argument("--quiet", action="store_true", help="do not print the tables")
    return parser.parse_args(argv)


def write_tables(tables: list[Table], out: Path, plot: bool) -> list[Path]:
    """Write every table in every format; files go to ``out/<group>/`` if there are several groups."""
    claim_tables_folder(out, "tables", "dalearn-collect", "tables")
    several = len({table.group for table in tables}) > 1
    written = []
    for table in tables:
        folder = out / table.group if several else out
        for extension, render in FORMATS.items():
            path = folder / f"{table.rule}.{extension}"
            atomic_write_text(path, render(table))
            written.append(path)
        if plot:
            path = folder / f"{table.rule}.png"
            plot_table(table, path)
            written.append(path)
    return written


def _status(tables: list[Table]) -> tuple[str, bool]:
    seen, lines, all_finished = set(), [], True
    for table in tables:
        if table.group in seen:
            continue
        seen.add(table.group)
        counts = table.counts()
        all_finished &= counts["finished"] == counts["expected"]
        lines.append(
            f"{table.group}: {counts['expected']} runs expected, {counts['finished']} finished, "
            f"{counts['incomplete']} incomplete, {counts['missing']} missing"
        )
    return "; ".join(lines), all_finished


@with_version_flag
def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    setup_logging()
    sweep_dir = args.sweep_dir.resolve()
    try:
        runs = read_runs(sweep_dir)
        grids = read_grids(sweep_dir, warn=log.warning)
        tables, waiting = build_tables(runs, grids)
    except CollectError as error:
        print(f"dalearn-collect: error: {error}", file=sys.stderr)
        return 2
    for line in waiting:
        log.info(line)
    if not tables:
        log.info("nothing to tabulate yet in %s", sweep_dir)
        return 1 if args.strict else 0
    out = (args.out or sweep_dir / "tables").resolve()
    try:
        written = write_tables(tables, out, args.plot)
    except ForeignFolderError as error:
        print(f"dalearn-collect: error: {error}", file=sys.stderr)
        return 2
    if not args.quiet:
        for table in tables:
            print(to_markdown(table))
    status, all_finished = _status(tables)
    log.info("%d run directories read — %s", len(runs), status)
    log.info("%d files written to %s", len(written), out)
    return 1 if args.strict and (waiting or not all_finished) else 0


if __name__ == "__main__":
    sys.exit(main())
