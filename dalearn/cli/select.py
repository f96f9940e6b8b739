"""``dalearn-select SWEEP_DIR --by ima``: choose the model to deploy across a whole sweep.

Per task, every checkpoint of the sweep (methods × hyperparameters × seeds × evaluated
epochs) is ranked by a label-free score recorded during training (``val/score/<validator>``
in each run's ``metrics.json``; also ``src_val``, ``last`` and, with target labels,
``oracle``). Written to ``SWEEP_DIR/selection/`` (or ``--out``):

- ``<rule>.md`` / ``<rule>.csv`` — per task the pick (run directory, epoch, config, where its
  weights are), its target accuracy, the oracle best, the regret (oracle − pick, in points)
  and the weighted Spearman correlation of Musgrave et al. (2022) between score and target
  accuracy over all checkpoints, and their averages;
- ``<rule>.png`` — score vs target accuracy, one panel per task;
- ``summary.md`` / ``summary.csv`` — regret and weighted Spearman of every rule asked for;
- with ``--report FILE``: the 'Label-free selection' section for benchmarks/RESULTS.md
  (the command, the machine, the sweep's wall time).

Without target labels a task still gets its pick; regret and correlation are '–'.
Exit status: 0 when written, 2 when the folder cannot be read or a rule was not recorded.

Examples:
    dalearn-select outputs/benchmark/offline_hparams --by ima
    dalearn-select outputs/benchmark/offline_hparams --report benchmarks/selection_report.md
"""

from __future__ import annotations

import argparse
import logging
import shlex
import sys
import time
from pathlib import Path
from typing import Optional

from dalearn.io import atomic_write_text, setup_logging
from dalearn.tables.errors import CollectError
from dalearn.tables.select_report import choice_markdown, summary_markdown
from dalearn.tables.sweep_selection import ALL, rank_sweep, report_section, write_selection

log = logging.getLogger("dalearn")


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="dalearn-select",
        description="Rank every checkpoint of a sweep by a label-free score and pick the model to deploy, per task.",
    )
    parser.add_argument("sweep_dir", type=Path, help="the folder a sweep wrote, e.g. outputs/benchmark/offline_hparams")
    parser.add_argument(
        "--by",
        action="append",
        default=None,
        metavar="RULE",
        help="a validator (ima, entropy, bnm, snd, src_acc, dev, devn, class_ami), src_val, last or oracle; "
        "repeat or separate with commas for several (default: all that every checkpoint recorded)",
    )
    parser.add_argument("--out", type=Path, default=None, help="where to write (default: SWEEP_DIR/selection)")
    parser.add_argument("--no-plot", action="store_true", help="do not write the score-vs-accuracy PNGs")
    parser.add_argument("--report", type=Path, default=None, help="also write the RESULTS.md section to this file")
    parser.add_argument("--quiet", action="store_true", help="do not print the tables")
    return parser.parse_args(argv)


def main(argv: Optional[list[str]] = None) -> int:
    started = time.perf_counter()
    args = parse_args(argv)
    setup_logging()
    sweep_dir = args.sweep_dir.resolve()
    rules = [rule.strip() for value in (args.by or [ALL]) for rule in value.split(",") if rule.strip()]
    try:
        result = rank_sweep(sweep_dir, rules)
    except CollectError as error:
        print(f"dalearn-select: error: {error}", file=sys.stderr)
        return 2
    out = (args.out or sweep_dir / "selection").resolve()
    written = write_selection(result, out, plot=not args.no_plot)
    answered_in = time.perf_counter() - started
    if args.report is not None:
        command = "dalearn-select " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
        atomic_write_text(args.report, report_section(result, command, answered_in))
        written.append(args.report)
    if not args.quiet:
        if len(result.choices) == 1:
            choices = next(iter(result.choices.values()))
            print(choice_markdown(choices, result.by_task, result.root))
        print(summary_markdown(result.choices, result.root))
    checkpoints = sum(len(c) for c in result.by_task.values())
    log.info(
        "%d run directories, %d checkpoints, %d tasks ranked by %s in %.1f s",
        len(result.runs),
        checkpoints,
        len(result.by_task),
        ", ".join(result.choices),
        answered_in,
    )
    log.info("%d files written to %s", len(written), out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
