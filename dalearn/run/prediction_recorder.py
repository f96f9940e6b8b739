"""Keep each evaluated epoch's target predictions in the run directory (``predictions.npz``,
:mod:`dalearn.selection.predictions`: float16 softmax rows, 2·C bytes per image per epoch), so
that rules across candidates — EnsV in ``dalearn-select`` — run after the fact without
reloading a model.

The rows are those of the target-validation set (the images the validators score), taken from
the logits the evaluation computes anyway. After every evaluated epoch rank 0 rewrites the file
atomically with every epoch of the run's history so far: a resumed run keeps the epochs its
restored history has and drops any a killed attempt wrote after its last checkpoint; a run
started over drops them all. Under DDP each process sees its shard of the target set, and rank
0 keeps its own shard (the ``rows`` in the file say which images).
"""

from __future__ import annotations

import logging
from pathlib import Path

import lightning as L
import numpy as np
import torch

from dalearn.run.evaluation_consumer import EvaluationConsumer
from dalearn.selection.predictions import PREDICTIONS_FILE, Predictions, read_predictions, write_predictions

log = logging.getLogger("dalearn")

ROLE = "target_val"


class PredictionRecorder(EvaluationConsumer):
    """Writes ``<run_dir>/predictions.npz`` after every evaluated epoch (see the module doc)."""

    def __init__(self, run_dir: str) -> None:
        super().__init__()
        self.path = Path(run_dir) / PREDICTIONS_FILE
        self._rows: list[torch.Tensor] = []
        self._probs: list[torch.Tensor] = []
        self._stored: dict[int, np.ndarray] | None = None
        self._stored_rows: np.ndarray | None = None

    def start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._rows, self._probs = [], []

    def consume(self, trainer, pl_module, role, logits, x, y, rows) -> None:
        if role == ROLE:
            self._rows.append(rows)
            self._probs.append(torch.softmax(logits.float(), dim=1).to(torch.float16).cpu())

    def _earlier(self, rows: np.ndarray) -> dict[int, np.ndarray]:
        """The epochs an earlier attempt of this run stored, read once (a stale or foreign file is ignored)."""
        if self._stored is None:
            self._stored = {}
            if self.path.is_file():
                try:
                    found = read_predictions(self.path)
                except ValueError as error:
                    log.warning("ignoring %s", error)
                else:
                    if np.array_equal(found.rows, rows):
                        self._stored = {int(e): found.probs[i] for i, e in enumerate(found.epochs)}
        return self._stored

    def after_record(self, trainer: L.Trainer, pl_module: L.LightningModule, record: dict) -> None:
        if not self._rows or trainer.global_rank != 0:
            return
        rows = torch.cat(self._rows)
        order = torch.argsort(rows)
        rows_np = rows[order].numpy()
        probs = torch.cat(self._probs)[order].numpy()
        stored = self._earlier(rows_np)
        epochs_in_history = [int(r["epoch"]) for r in pl_module.history]
        kept = {e: stored[e] for e in epochs_in_history[:-1] if e in stored}
        kept[int(record["epoch"])] = probs
        self._stored = kept
        epochs = sorted(kept)
        write_predictions(
            self.path,
            Predictions(probs=np.stack([kept[e] for e in epochs]), epochs=np.array(epochs), rows=rows_np),
        )
        self._rows, self._probs = [], []
