"""A run directory and its files: ``config.yaml`` (resolved), ``metrics.json`` (final
numbers), ``done`` (completion marker, written last), ``checkpoints/`` and ``logs/``, and
``.dalearn-owner.json`` (:mod:`dalearn.io.ownership`: this is dalearn's run directory of the run
with this hash). Files are written to a temporary name and renamed, so a reader never sees
half a file.

dalearn writes into a folder, and deletes from it, only after :meth:`RunDirectory.claim`: the
folder is new (or holds only what Hydra put there at the launch), carries dalearn's marker for
this run's hash, or is a run directory of an earlier dalearn version for the same run (named
``…-<hash>`` and holding dalearn's ``config.yaml`` or ``done``). Clearing a run deletes only the
files dalearn writes (:meth:`RunDirectory.clear_results`), never a foreign file beside them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Optional

from dalearn.io import atomic_write_json, atomic_write_text, remove_stale_temporaries
from dalearn.io.ownership import claim

#: what Hydra (and dalearn's lock) put into a run directory before dalearn-train's own code runs.
LAUNCH_ENTRIES = (".hydra", "train.log", ".lock")
#: the checkpoint files dalearn's callbacks write (conf/callbacks/default.yaml).
CHECKPOINT_NAMES = ("best.ckpt", "last.ckpt")


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

    def _earlier_version(self, run_hash: str) -> bool:
        """A run directory an earlier dalearn wrote for this run (before ownership markers)."""
        return self.path.name.endswith(f"-{run_hash}") and (self.config.is_file() or self.done.is_file())

    def claim(self, run_hash: str) -> None:
        """Refuse, before any work, a folder that is not this run's directory (see the module
        docstring); mark a new one. Raises :class:`~dalearn.io.ownership.ForeignFolderError`."""
        claim(
            self.path,
            "run",
            "choose another hydra.run.dir (or leave it at its default, outputs/runs/<data>/<method>/seed<k>-<hash>), "
            "or move those files away",
            legacy=lambda folder: self._earlier_version(run_hash),
            ignore=LAUNCH_ENTRIES,
            run_hash=run_hash,
        )

    def clear_results(self, checkpoint_names: Iterable[str] = CHECKPOINT_NAMES) -> list[Path]:
        """Remove a previous attempt's results — ``done`` first (so a crash in between leaves
        an incomplete run, never a 'complete' one without its files), ``metrics.json``, the
        checkpoints dalearn's callbacks write (``checkpoint_names``) and the temporaries of a
        killed writer. Anything else in the folder stays. Returns what was removed."""
        removed = []
        for path in (self.done, self.metrics, *(self.checkpoints / name for name in checkpoint_names)):
            if path.is_file() or path.is_symlink():
                path.unlink()
                removed.append(path)
        removed += remove_stale_temporaries(self.checkpoints)
        if self.checkpoints.is_dir() and not any(self.checkpoints.iterdir()):
            self.checkpoints.rmdir()
        return removed
