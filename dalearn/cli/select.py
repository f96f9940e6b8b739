"""``dalearn-select SWEEP_DIR --by ima``: choose the model to deploy across a whole sweep.

Per task (the task identity each run records), every checkpoint of the sweep (methods ×
hyperparameters × seeds × evaluated epochs) is ranked by a rule of :mod:`dalearn.selection`:
a label-free score recorded during training (``val/score/<validator>``, ``mixval``, the
accuracy estimates ``atc`` and ``doc``, ``src_val``, ``last``), ``ensv`` — computed here from
the target predictions every run stores (``predictions.npz``) — and, with target labels,
``oracle``. With ``--per-seed`` each task's seeds are separate pools (the selection problem of
one seed's sweep) and the summary gives the mean and the worst regret over the seeds. A
checkpoint flagged as collapsed, or of a method whose loss maximises the rule's score (SHOT's
information maximisation and BNM for ``entropy``, ``ima``, ``bnm``: ``trains_on`` in its
``metrics.json``), is never picked while another one exists. Written to
``SWEEP_DIR/selection/`` (or ``--out``):

- ``<rule>.md`` / ``<rule>.csv`` — per pool the pick (run directory, epoch, config, where its
  weights are, its estimated target accuracy), its target accuracy, the oracle best, the regret
  (oracle − pick, in points), whether it is in the bottom half of the pool and the weighted
  Spearman correlation of Musgrave et al. (2022) between score and target accuracy;
- ``<rule>.png`` — score vs target accuracy, one panel per pool;
- ``summary.md`` / ``summary.csv`` — per task and rule: mean regret, worst regret over the
  seeds, picks in the bottom half, weighted Spearman; the accuracy estimates' mean absolute error;
- with ``--report FILE``: the 'Label-free selection' section for benchmarks/RESULTS.md
  (the command, the machine, the sweep's wall time, the runs left out).

The runs it leaves out are listed with the reason (unfinished, no history; for EnsV no stored
predictions, or predictions on another target set). Without target labels a task still gets
its pick; regret and correlation are '–'. Exit status: 0 when written, 2 when the folder
cannot be read or a rule was not recorded.

Examples:
    dalearn-select outputs/benchmark/offline_hparams --by ensv,mixval,atc
    dalearn-select outputs/benchmark/offline_hparams --per-seed --report benchmarks/selection_report.md
"""

from __future__ import annotations

import argparse
import logging
import shlex
import sys
import time
from pathlib import Path
from typing import Optional

from dalearn.cli.version import with_version_flag
from dalearn.io import atomic_write_text, setup_logging
from dalearn.io.ownership import ForeignFolderError
from dalearn.tables.errors import CollectError
from dalearn.tables.select_report import choice_markdown, summary_markdown
from dalearn.tables.sweep_selection import ALL, rank_sweep, report_section, skipped_lines, write_selection

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
        help="a rule: ensv, mixval, atc, doc, a validator (ima, entropy, bnm, snd, src_acc, dev, devn, class_ami), "
        "src_val, last or oracle; repeat or separate with commas for several (default: all that every checkpoint "
        "recorded, and ensv when the runs stored their predictions)",
    )
    parser.add_argument(
        "--per-seed",
        action="store_true",
        help="one pool per task and seed (a seed's own selection problem); the summary adds the worst regret over seeds",
    )
    parser.add_argument("--out", type=Path, default=None, help="where to write (default: SWEEP_DIR/selection)")
    parser.add_argument("--no-plot", action="store_true", help="do not write the score-vs-accuracy PNGs")
    parser.add_argument("--report", type=Path, default=None, help="also write the RESULTS.md section to this file")
    parser.add_argument("--quiet", action="store_true", help="do not print the tables")
    return parser.parse_args(argv)


@with_version_flag
def main(argv: Optional[list[str]] = None) -> int:
    started = time.perf_counter()
    args = parse_args(argv)
    setup_logging()
    sweep_dir = args.sweep_dir.resolve()
    rules = [rule.strip() for value in (args.by or [ALL]) for rule in value.split(",") if rule.strip()]
    try:
        result = rank_sweep(sweep_dir, rules, per_seed=args.per_seed)
    except CollectError as error:
        print(f"dalearn-select: error: {error}", file=sys.stderr)
        return 2
    out = (args.out or sweep_dir / "selection").resolve()
    try:
        written = write_selection(result, out, plot=not args.no_plot)
    except ForeignFolderError as error:
        print(f"dalearn-select: error: {error}", file=sys.stderr)
        return 2
    answered_in = time.perf_counter() - started
    if args.report is not None:
        command = "dalearn-select " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
        atomic_write_text(args.report, report_section(result, command, answered_in))
        written.append(args.report)
    if not args.quiet:
        if len(result.choices) == 1:
            choices = next(iter(result.choices.values()))
            print(choice_markdown(choices, result.by_task, result.root))
        print(summary_markdown(result.choices, result.root, result.by_task))
    for line in skipped_lines(result):
        log.info(f"left out {line}")
    checkpoints = sum(len(c) for c in result.by_task.values())
    pools = "task-and-seed pools" if result.per_seed else "tasks"
    log.info(
        f"{len(result.runs)} run directories ({len(result.skipped)} left out), {checkpoints} checkpoints, "
        f"{len(result.by_task)} {pools} ranked by {', '.join(result.choices)} in {answered_in:.1f} s"
    )
    for rule, choices in result.choices.items():
        for choice in choices:
            estimate = choice.pick_estimates.get("atc")
            if estimate is None:
                continue
            pool = choice.label if choice.seed is None else f"{choice.label}, seed {choice.seed}"
            known = "" if choice.pick_accuracy is None else f" (target accuracy {100 * choice.pick_accuracy:.1f} %)"
            log.info(
                f"{rule} on {pool}: {choice.pick.run.method} epoch {choice.pick.epoch} — estimated target accuracy "
                f"{100 * estimate:.0f} % (ATC, no target label used){known}"
            )
    log.info(f"{len(written)} files written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
