"""One table cell: the numbers of the seeds of one (method, task), and how it is written.

A cell expects a set of seeds (from the sweep grid and the runs on disk). It is *complete*
when every expected seed finished and recorded the table's number; otherwise its text says
how many did and why the others are absent, so a partial mean never passes for a full one:

- ``85.2 ± 0.4 (3)``                  every seed finished (sample std over seeds);
- ``85.2 (1)``                        a single seed (no spread to show);
- ``84.9 ± 0.3 (2/3: 1 incomplete)``  one run has no ``done`` marker (running, failed, killed);
- ``– (0/3: 3 missing)``              no run directory at all for those seeds;
- ``… (2/3: 1 without src_val)``      a finished run that did not record this selection rule.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import Optional, Sequence

DASH = "–"


def mean_std(values: Sequence[float]) -> tuple[float, Optional[float]]:
    """Mean and sample standard deviation (None for a single value)."""
    mean = statistics.fmean(values)
    return mean, (statistics.stdev(values) if len(values) > 1 else None)


def number_text(mean: float, std: Optional[float]) -> str:
    return f"{mean:.1f}" if std is None else f"{mean:.1f} ± {std:.1f}"


@dataclass(frozen=True)
class Cell:
    """``values``: seed → number (%) of the finished runs that recorded it."""

    values: dict[int, float] = field(default_factory=dict)
    expected: int = 0
    incomplete: int = 0
    missing: int = 0
    lacking: int = 0

    @property
    def complete(self) -> bool:
        return self.expected > 0 and len(self.values) == self.expected

    def stats(self) -> Optional[tuple[float, Optional[float]]]:
        return mean_std(list(self.values.values())) if self.values else None

    def text(self, rule: str) -> str:
        stats = self.stats()
        value = number_text(*stats) if stats else DASH
        if self.complete:
            return f"{value} ({self.expected})"
        counts = ((self.incomplete, "incomplete"), (self.missing, "missing"), (self.lacking, f"without {rule}"))
        reasons = [f"{count} {word}" for count, word in counts if count]
        return f"{value} ({len(self.values)}/{self.expected}: {', '.join(reasons)})"


@dataclass(frozen=True)
class Average:
    """The Avg column: over ``required`` tasks, shown only when all of them are complete.
    Its spread is the sample std over seeds of each seed's average over the tasks."""

    required: int
    complete_tasks: int
    per_seed: dict[int, float] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return self.required > 0 and self.complete_tasks == self.required and bool(self.per_seed)

    def stats(self) -> Optional[tuple[float, Optional[float]]]:
        return mean_std(list(self.per_seed.values())) if self.complete else None

    def text(self) -> str:
        if not self.complete:
            return f"incomplete: {self.complete_tasks}/{self.required} tasks"
        return f"{number_text(*self.stats())} ({len(self.per_seed)})"


def average(cells: Sequence[Optional[Cell]]) -> Average:
    """The Avg of a row over ``cells`` (None: a required task with no column at all)."""
    complete = [cell for cell in cells if cell is not None and cell.complete]
    if len(complete) < len(cells) or not cells:
        return Average(required=len(cells), complete_tasks=len(complete))
    seeds = set.intersection(*(set(cell.values) for cell in complete))
    per_seed = {seed: math.fsum(cell.values[seed] for cell in complete) / len(complete) for seed in sorted(seeds)}
    return Average(required=len(cells), complete_tasks=len(complete), per_seed=per_seed)
