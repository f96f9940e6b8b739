"""``dalearn-select``'s work, as functions: read a sweep's checkpoints, rank each pool (a task, or
a task and a seed) by each requested rule (:mod:`dalearn.selection.sweep_ranking`), write the
per-rule picks, the summary and the plots, and the report section for benchmarks/RESULTS.md
(with the command, the machine and the sweep's time).

Only the run directories' files are read (``config.yaml``, ``metrics.json``, ``done``, and for
``ensv`` ``predictions.npz``): every per-epoch score was recorded during training; EnsV is
computed here from the stored predictions. Runs that cannot take part are listed with the
reason (:attr:`SweepSelection.skipped`): unfinished, finished without an evaluation history, or
— for EnsV — without stored predictions or with predictions on another target set.
"""

from __future__ import annotations

import os
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from dalearn.io import atomic_write_text
from dalearn.selection.predictions import PREDICTIONS_FILE, read_predictions
from dalearn.selection.sweep_ranking import RankingError, TaskChoice, add_ensv, choose, pools, rules_recorded
from dalearn.tables.checkpoints import Checkpoint, read_checkpoints
from dalearn.tables.errors import CollectError
from dalearn.tables.output_folder import claim_tables_folder
from dalearn.tables.reference import dataset_info
from dalearn.tables.runs import Run, read_runs
from dalearn.tables.select_plot import plot_choices
from dalearn.tables.select_report import choice_csv, choice_markdown, summary_csv, summary_markdown

ALL = "all"
ENSV = "ensv"
#: ``--by all`` ranks by the rules at least this share of every pool's checkpoints recorded (a
#: source-free method's runs have no source hold-out score; they are then not pickable by it).
MOSTLY = 0.5


@dataclass(frozen=True)
class SweepSelection:
    """What was ranked: the runs, the checkpoints by pool, each rule's choices, the runs left out
    (path → reason) and whether pools are per seed."""

    root: Path
    runs: list[Run]
    by_task: dict[tuple, list[Checkpoint]]
    choices: dict[str, list[TaskChoice]]
    skipped: dict[Path, str] = field(default_factory=dict)
    per_seed: bool = False


def task_label(checkpoint: Checkpoint) -> str:
    """The task as the tables name it (``Digits → Digits-drift``); ``<dataset> <source> →
    <target>`` for a dataset the tables do not know; the data name when it says more."""
    run = checkpoint.run
    info = dataset_info(run.dataset)
    if run.source and run.target and info is not None:
        return f"{info.label(run.source)} → {info.label(run.target)}"
    if run.source and run.target:
        return f"{run.dataset} {run.source} → {run.target}"
    if run.data_name and run.data_name != run.dataset:
        return f"{run.data_name} {run.task}".strip()
    return f"{run.dataset} {run.task}".strip()


def common_rules(by_task: dict[tuple, list[Checkpoint]], share: float = 1.0) -> list[str]:
    """The rules that at least ``share`` of the checkpoints of every pool have a score for."""
    per_task = [rules_recorded(checkpoints, share) for checkpoints in by_task.values()]
    first = per_task[0]
    return [rule for rule in first if all(rule in rules for rules in per_task[1:])]


def skipped_runs(runs: list[Run]) -> dict[Path, str]:
    """The runs that cannot be ranked at all, with the reason."""
    skipped = {}
    for run in runs:
        if not run.finished:
            skipped[run.path] = "unfinished (no done marker or no metrics.json): still running, failed or killed"
        elif not run.metrics.get("history"):
            skipped[run.path] = "finished without an evaluation history (metrics.json holds no epoch)"
    return skipped


class _PredictionCache:
    """Each run's predictions.npz, read once; None when absent or unreadable (with the reason)."""

    def __init__(self) -> None:
        self.found: dict[Path, Optional[object]] = {}
        self.problems: dict[Path, str] = {}

    def __call__(self, checkpoint: Checkpoint) -> Optional[tuple[np.ndarray, np.ndarray]]:
        path = Path(checkpoint.run.path)
        if path not in self.found:
            file = path / PREDICTIONS_FILE
            try:
                self.found[path] = read_predictions(file) if file.is_file() else None
            except ValueError as error:
                self.found[path] = None
                self.problems[path] = str(error)
        stored = self.found[path]
        if stored is None:
            return None
        try:
            return stored.rows, stored.at(checkpoint.epoch)
        except KeyError:
            return None


def _score_ensv(grouped: dict[tuple, list[Checkpoint]], skipped: dict[Path, str]) -> dict[tuple, list[Checkpoint]]:
    """EnsV scores for every pool; the pools reduced to the candidates that got one."""
    cache = _PredictionCache()
    scored = {}
    for key, pool in grouped.items():
        for checkpoint, reason in add_ensv(pool, cache):
            path = Path(checkpoint.run.path)
            skipped.setdefault(path, f"ensv: {cache.problems.get(path, reason)}")
        members = [c for c in pool if ENSV in c.scores]
        if members:
            scored[key] = members
    return scored


def rank_sweep(root: Path, rules: Sequence[str] = (ALL,), per_seed: bool = False) -> SweepSelection:
    """Read ``root``'s finished runs and rank each pool's checkpoints by every rule in ``rules``
    (``all``: every rule most checkpoints of every pool recorded — :data:`MOSTLY` —, and ``ensv``
    when predictions are stored).
    ``per_seed``: one pool per task and seed (the selection problem of one seed's sweep)."""
    runs = read_runs(root)
    skipped = skipped_runs(runs)
    checkpoints = [c for found in read_checkpoints(runs).values() for c in found]
    if not checkpoints:
        unfinished = sum(not run.finished for run in runs)
        raise CollectError(
            f"{root}: none of its {len(runs)} run directories has a finished run with an evaluation history "
            f"({unfinished} without a done marker); wait for the sweep, or point at the folder it wrote"
        )
    grouped = pools(checkpoints, per_seed)
    wanted_rules = list(dict.fromkeys(rules))
    ensv_pools: dict[tuple, list[Checkpoint]] = {}
    if ENSV in wanted_rules or ALL in wanted_rules:
        ensv_pools = _score_ensv(grouped, skipped)
    recorded = common_rules(grouped)
    if ALL in wanted_rules:
        wanted = common_rules(grouped, MOSTLY) + ([ENSV] if ensv_pools and len(ensv_pools) == len(grouped) else [])
    else:
        wanted = wanted_rules
    unknown = [rule for rule in wanted if rule != ENSV and rule not in common_rules(grouped, share=1e-9)]
    if unknown:
        raise CollectError(
            f"--by {', '.join(unknown)}: not recorded by every checkpoint of {root} (a pool has none with it); the "
            f"scores they all recorded: {', '.join(recorded) or 'none'} (a validator is recorded when the run lists "
            "it in validators=[...])"
        )
    if ENSV in wanted and not ensv_pools:
        raise CollectError(
            f"--by ensv: no run under {root} stored its target predictions ({PREDICTIONS_FILE}); runs record them "
            "with the default callbacks (callbacks.predictions) — retrain them, or rank by a recorded rule"
        )
    choices = {}
    try:
        for rule in wanted:
            source = ensv_pools if rule == ENSV else grouped
            choices[rule] = [
                choose(source[key], rule, task_label(source[key][0]), seed=key[1]) for key in sorted(source, key=_order)
            ]
    except RankingError as error:
        raise CollectError(str(error)) from error
    by_task = {key: grouped[key] for key in sorted(grouped, key=_order)}
    return SweepSelection(root=root, runs=runs, by_task=by_task, choices=choices, skipped=skipped, per_seed=per_seed)


def _order(key: tuple) -> tuple:
    task, seed = key
    return (tuple(str(part) for part in task), -1 if seed is None else int(seed))


def write_selection(result: SweepSelection, out: Path, plot: bool = True) -> list[Path]:
    """Per rule ``<rule>.md``, ``<rule>.csv`` (and ``<rule>.png``); ``summary.md`` and
    ``summary.csv`` over all rules, in a folder dalearn made (see :mod:`dalearn.tables.output_folder`).
    Returns the files written."""
    claim_tables_folder(out, "selection", "dalearn-select", "selection")
    written = []
    for rule, choices in result.choices.items():
        for extension, render in (("md", choice_markdown), ("csv", choice_csv)):
            path = out / f"{rule}.{extension}"
            atomic_write_text(path, render(choices, result.by_task, result.root))
            written.append(path)
        if plot and plot_choices(choices, result.by_task, out / f"{rule}.png"):
            written.append(out / f"{rule}.png")
    atomic_write_text(out / "summary.md", summary_markdown(result.choices, result.root, result.by_task))
    atomic_write_text(out / "summary.csv", summary_csv(result.choices, result.by_task))
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


def skipped_lines(result: SweepSelection) -> list[str]:
    """One line per run left out, relative to the sweep folder, with the reason."""
    lines = []
    for path, reason in sorted(result.skipped.items(), key=lambda item: str(item[0])):
        try:
            shown = path.relative_to(result.root)
        except ValueError:
            shown = path
        lines.append(f"{shown}: {reason}")
    return lines


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
        f"dalearn-select answered in {answered_in:.1f} s (scores read from metrics.json, EnsV from predictions.npz).",
    ]
    if result.skipped:
        lines.append(f"- Left out: {len(result.skipped)} run(s) — " + "; ".join(skipped_lines(result)) + ".")
    lines += ["", summary_markdown(result.choices, result.root, result.by_task)]
    return "\n".join(lines)
