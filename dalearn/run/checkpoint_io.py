"""Checkpoints written atomically; read through the trusted reader.

Writing: to a temporary file in the same directory, then renamed. Lightning's own writer
opens the final path and writes into it, so a run killed during the write leaves a truncated
``last.ckpt`` and cannot be resumed. With :class:`AtomicCheckpointIO` the previous checkpoint
stays intact until the new one is complete.

Reading: :func:`dalearn.io.trusted.checkpoints.load_checkpoint` (a weights-only load,
errors that name the file and what to do), the one reader of every checkpoint dalearn is
given; re-exported here with :class:`CheckpointError` for the harness.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Optional

import torch
from lightning.fabric.plugins.io.torch_io import TorchCheckpointIO

from dalearn.io import atomic_path
from dalearn.io.trusted.checkpoints import CheckpointError, load_checkpoint

__all__ = ["AtomicCheckpointIO", "CheckpointError", "load_checkpoint"]


class AtomicCheckpointIO(TorchCheckpointIO):
    """``TorchCheckpointIO`` whose ``save_checkpoint`` is atomic on POSIX file systems and
    whose ``load_checkpoint`` is the trusted reader's (``weights_only=True``, always)."""

    def save_checkpoint(
        self, checkpoint: dict[str, Any], path: str | Path, storage_options: Optional[Any] = None
    ) -> None:
        if storage_options is not None:
            raise TypeError(f"{type(self).__name__} does not take storage_options, got {storage_options!r}")
        with atomic_path(path) as partial:
            torch.save(checkpoint, partial)

    def load_checkpoint(
        self,
        path: str | Path,
        map_location: Optional[Callable] = lambda storage, loc: storage,
        weights_only: Optional[bool] = None,
    ) -> dict[str, Any]:
        return load_checkpoint(path, key="checkpoint", map_location=map_location, lightning_checkpoint=False)
