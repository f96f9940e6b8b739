"""A CSV logger whose resumed run continues the same ``metrics.csv``.

Lightning's :class:`~lightning.pytorch.loggers.CSVLogger` gives each process a new
``version_<n>/`` (a resumed run's log split in two, the replayed part of the interrupted
epoch in both), and with a fixed version it deletes the earlier ``metrics.csv``.
:class:`ContinuingCSVLogger` writes to ``version_0/`` always; given ``resume_step`` (the
``global_step`` of the checkpoint the run resumes from) it keeps the earlier rows logged
before that step and drops the rest, which the resumed run logs again. A run that starts
over (no ``resume_step``) starts a new file. The rows are flushed to disk whenever a
checkpoint is saved, so a run killed later has every row its checkpoint covers.
"""

from __future__ import annotations

import csv
import os
from typing import Any, Optional

from lightning.pytorch.loggers import CSVLogger
from lightning.pytorch.utilities.rank_zero import rank_zero_only


def _step(row: dict[str, str]) -> float:
    try:
        return float(row.get("step") or "nan")
    except ValueError:
        return float("nan")


class ContinuingCSVLogger(CSVLogger):
    """``CSVLogger(version=0)`` that keeps the rows before ``resume_step`` of an earlier attempt."""

    def __init__(self, *args: Any, version: Any = 0, resume_step: Optional[int] = None, **kwargs: Any) -> None:
        super().__init__(*args, version=version, **kwargs)
        self.resume_step = resume_step

    @property
    def experiment(self) -> Any:
        if self._experiment is not None or rank_zero_only.rank != 0:
            return super().experiment
        path = os.path.join(self.log_dir, "metrics.csv")
        kept: list[dict[str, str]] = []
        header: list[str] = []
        if self.resume_step is not None and os.path.isfile(path):
            with open(path, newline="") as handle:
                reader = csv.DictReader(handle)
                header = list(reader.fieldnames or [])
                kept = [row for row in reader if _step(row) < self.resume_step]
        if os.path.isfile(path):
            os.remove(path)
        writer = super().experiment
        if kept and writer is not None and hasattr(writer, "metrics_keys"):
            with open(path, "w", newline="") as handle:
                out = csv.DictWriter(handle, fieldnames=sorted(header))
                out.writeheader()
                out.writerows(kept)
            writer.metrics_keys = sorted(header)
        return writer

    def after_save_checkpoint(self, checkpoint_callback: Any) -> None:
        """Flush the buffered rows: what the new checkpoint covers is then on disk too."""
        super().after_save_checkpoint(checkpoint_callback)
        self.save()
