"""``dalearn-select``'s work, as functions: read a sweep's checkpoints, rank them per task by
each requested rule, write the per-rule picks, the summary and the plots, and the report
section for benchmarks/RESULTS.md (with the command, the machine and the sweep's time).

Only the run directories' files are read (``config.yaml``, ``metrics.json``, ``done``):
every score was recorded during training, nothing is recomputed.
"""

from __future__ import annotations

import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

from dalearn.io import atomic_write_text
from dalearn.tables.checkpoints import Checkpoint, read_checkpoints
from dalearn.tables.errors import CollectError
from dalearn.tables.ranking import TaskChoice, choose_all, rules_recorded
from dalearn.tables.runs import Run, read_runs
from dalearn.tables.select_plot import plot_choices
from dalearn.tables.select_report import choice_csv, choice_markdown, summary_csv, summary_markdown

ALL = "all"


@dataclass(frozen=True)
class SweepSelection:
    """What was ranked: the runs, the checkpoints by task and each rule's choices."""

    root: Path
    runs: list[Run]
    by_task: dict[tuple[str, str], list[Checkpoint]]
    choices: dict[str, list[TaskChoice]]


def common_rules(by_task: dict[tuple[str, str], list[Checkpoint]]) -> list[str]:
    """The rules every checkpoint of every task has a score for."""
    per_task = [rules_recorded(checkpoints) for checkpoints in by_task.values()]
    first = per_task[0]
    return [rule for rule in first if all(rule in rules for rules in per_task[1:])]


def rank_sweep(root: Path, rules: Sequence[str] = (ALL,)) -> SweepSelection:
    """Read ``root``'s finished runs and rank each task's checkpoints by every rule in
    ``rules`` (``all``: every rule all checkpoints recorded)."""
    runs = read_runs(root)
    by_task = read_checkpoints(runs)
    if not by_task:
        unfinished = sum(not run.finished for run in runs)
        raise CollectError(
            f"{root}: none of its {len(runs)} run directories has a finished run with an evaluation history "
            f"({unfinished} without a done marker); wait for the sweep, or point at the folder it wrote"
        )
    recorded = common_rules(by_task)
    wanted = recorded if ALL in rules else list(dict.fromkeys(rules))
    unknown = [rule for rule in wanted if rule not in recorded]
    if unknown:
        raise CollectError(
            f"--by {', '.join(unknown)}: not recorded by every checkpoint of {root}; the scores they all recorded: "
            f"{', '.join(recorded) or 'none'} (a validator is recorded when the run lists it in validators=[...])"
        )
    choices = {rule: choose_all(by_task, rule) for rule in wanted}
    return SweepSelection(root=root, runs=runs, by_task=by_task, choices=choices)


def write_selection(result: SweepSelection, out: Path, plot: bool = True) -> list[Path]:
    """Per rule ``<rule>.md``, ``<rule>.csv`` (and ``<rule>.png``); ``summary.md`` and
    ``summary.csv`` over all rules. Returns the files written."""
    written = []
    for rule, choices in result.choices.items():
        for extension, render in (("md", choice_markdown), ("csv", choice_csv)):
            path = out / f"{rule}.{extension}"
            atomic_write_text(path, render(choices, result.by_task, result.root))
            written.append(path)
        if plot and plot_choices(choices, result.by_task, out / f"{rule}.png"):
            written.append(out / f"{rule}.png")
    atomic_write_text(out / "summary.md", summary_markdown(result.choices, result.root))
    atomic_write_text(out / "summary.csv", summary_csv(result.choices))
    return written + [out / "summary.md", out / "summary.csv"]


def sweep_time(runs: list[Run]) -> Optional[float]:
    """Seconds from the first run directory's creation (Hydra's config copy) to the last
    ``done`` marker; None if no run finished."""
    starts, ends = [], []
    for run in runs:
        for name in (".hydra/config.yaml", "config.yaml"):
            if (run.path / name).is_file():
                starts.append((run.path / name).stat().st_mtime)
                break
        if (run.path / "done").is_file():
            ends.append((run.path / "done").stat().st_mtime)
    return max(ends) - min(starts) if starts and ends else None


def cpu_model() -> str:
    """The processor's name from ``/proc/cpuinfo`` (Linux), else ``platform.processor()``."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def machine() -> str:
    """``Intel(R) Xeon(R) Processor, Linux x86_64, 2 cores, Python 3.11.7``."""
    model = cpu_model()
    system = f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    return f"{model}, {system}" if model else system


def report_section(result: SweepSelection, command: str, answered_in: float) -> str:
    """The 'Label-free selection' section for benchmarks/RESULTS.md."""
    seconds = sweep_time(result.runs)
    finished = sum(run.finished for run in result.runs)
    span = "unknown" if seconds is None else f"{seconds / 60:.0f} min (first run directory to last done marker)"
    lines = [
        "## Label-free selection",
        "",
        "```bash",
        command,
        "```",
        "",
        f"- Machine: {machine()}; {time.strftime('%Y-%m-%d')}.",
        f"- Sweep: {finished} finished runs of {len(result.runs)}, wall time {span}; "
        f"dalearn-select answered in {answered_in:.1f} s (scores read from metrics.json, nothing recomputed).",
        "",
        summary_markdown(result.choices, result.root),
    ]
    return "\n".join(lines)
