"""Checkpoints written atomically: to a temporary file in the same directory, then renamed.

Lightning's own writer opens the final path and writes into it, so a run killed during the
write leaves a truncated ``last.ckpt`` and cannot be resumed. With this plugin the previous
checkpoint stays intact until the new one is complete.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import torch
from lightning.fabric.plugins.io.torch_io import TorchCheckpointIO

from dalearn.io import atomic_path


class AtomicCheckpointIO(TorchCheckpointIO):
    """``TorchCheckpointIO`` whose ``save_checkpoint`` is atomic on POSIX file systems."""

    def save_checkpoint(self, checkpoint: dict[str, Any], path: str | Path, storage_options: Optional[Any] = None) -> None:
        if storage_options is not None:
            raise TypeError(f"{type(self).__name__} does not take storage_options, got {storage_options!r}")
        with atomic_path(path) as partial:
            torch.save(checkpoint, partial)
