"""A run directory and its files: ``config.yaml`` (resolved), ``metrics.json`` (final
numbers), ``done`` (completion marker, written last), ``checkpoints/`` and ``logs/``.
Files are written to a temporary name and renamed, so a reader never sees half a file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Optional

from dalearn.io import atomic_write_json, atomic_write_text


class RunDirectory:
    """Paths and state of one training run."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.config = self.path / "config.yaml"
        self.metrics = self.path / "metrics.json"
        self.done = self.path / "done"
        self.checkpoints = self.path / "checkpoints"
        self.last_checkpoint = self.checkpoints / "last.ckpt"

    def is_complete(self) -> bool:
        return self.done.is_file() and self.metrics.is_file()

    def read_metrics(self) -> dict[str, Any]:
        if not self.metrics.is_file():
            raise FileNotFoundError(f"{self.metrics} does not exist: the run did not finish")
        return json.loads(self.metrics.read_text())

    def write_metrics(self, metrics: dict[str, Any]) -> None:
        atomic_write_json(self.metrics, metrics)

    def mark_done(self) -> None:
        atomic_write_text(self.done, "complete\n")

    def resumable_checkpoint(self) -> Optional[Path]:
        return self.last_checkpoint if self.last_checkpoint.is_file() else None

    def clear_results(self) -> None:
        """Remove a previous attempt's results (done marker first, so a crash in between
        leaves an incomplete run, never a 'complete' one without its files)."""
        self.done.unlink(missing_ok=True)
        self.metrics.unlink(missing_ok=True)
        shutil.rmtree(self.checkpoints, ignore_errors=True)
