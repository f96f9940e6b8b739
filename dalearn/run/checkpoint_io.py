"""Checkpoints written atomically and read safely.

Writing: to a temporary file in the same directory, then renamed. Lightning's own writer
opens the final path and writes into it, so a run killed during the write leaves a truncated
``last.ckpt`` and cannot be resumed. With :class:`AtomicCheckpointIO` the previous checkpoint
stays intact until the new one is complete.

Reading: :func:`load_checkpoint` is ``torch.load(weights_only=True)``. A checkpoint is a
pickle, and an unrestricted unpickler calls whatever callable the file names (a
``__reduce__`` payload runs on load). The restricted unpickler accepts tensors and plain
data only — all a dalearn checkpoint holds (weights, optimiser and loop states, the
``dalearn_history`` list of dicts) — and refuses anything else before running it. Errors
name the file and say what to do: not a checkpoint, a damaged (truncated) one, or one that
needs code to load.
"""

from __future__ import annotations

import pickle
import re
import zipfile
from pathlib import Path
from typing import Any, Callable, Optional, Union

import torch
from lightning.fabric.plugins.io.torch_io import TorchCheckpointIO

from dalearn.io import atomic_path

ZIP_MAGIC = b"PK\x03\x04"


class CheckpointError(ValueError):
    """A checkpoint file that cannot or must not be loaded; the message says why and what to do."""


def _refused_global(message: str) -> Optional[str]:
    found = re.search(r"GLOBAL (\S+)", message)
    return found.group(1) if found else None


def load_checkpoint(
    path: Union[str, Path],
    key: str = "ckpt_path",
    advice: str = "",
    map_location: Any = "cpu",
    mmap: bool = False,
    lightning_checkpoint: bool = True,
) -> dict[str, Any]:
    """Load a Lightning checkpoint with ``torch.load(weights_only=True)``.

    ``key`` is the config key (or description) the path came from and ``advice`` what the
    user can do instead; both go into the error. ``mmap=True`` maps the tensors instead of
    reading them (a cheap validity check of a large file). ``lightning_checkpoint=False``
    accepts any safe content (Lightning's ``ddp_spawn`` hands weights back to the launching
    process as a bare state dict). Raises :class:`FileNotFoundError` or :class:`CheckpointError`.
    """
    path = Path(path)
    tail = f"; {advice}" if advice else ""
    if not path.is_file():
        raise FileNotFoundError(f"{key}={path} does not exist{tail}")
    with path.open("rb") as handle:
        head = handle.read(4)
    is_zip = zipfile.is_zipfile(path)
    if head == ZIP_MAGIC and not is_zip:
        raise CheckpointError(
            f"{key}={path} is damaged: the file ends before its index (truncated — a copy or a write that "
            f"did not finish){tail}"
        )
    try:
        checkpoint = torch.load(path, map_location=map_location, weights_only=True, mmap=mmap and is_zip)
    except pickle.UnpicklingError as error:
        name = _refused_global(str(error))
        if name is None and not is_zip:
            reason = f"a checkpoint is a zip archive written by torch.save, this file starts with {head!r}"
            raise CheckpointError(f"{key}={path} is not a readable PyTorch checkpoint ({reason}){tail}") from None
        raise CheckpointError(
            f"{key}={path} was refused: loading it would call {name or 'a Python callable'} stored in the file, "
            "which can run arbitrary code. dalearn loads checkpoints with torch.load(weights_only=True), which "
            "accepts tensors and plain data only — everything a checkpoint of dalearn-train holds. Use a "
            f"checkpoint written by dalearn-train, or re-save this one's state_dict as plain tensors{tail}"
        ) from None
    except (RuntimeError, EOFError, KeyError, ValueError, OSError, IndexError) as error:
        if is_zip:
            reason = f"the archive cannot be read: {str(error).splitlines()[0]}"
        else:
            reason = f"a checkpoint is a zip archive written by torch.save, this file starts with {head!r}"
        raise CheckpointError(f"{key}={path} is not a readable PyTorch checkpoint ({reason}){tail}") from None
    if lightning_checkpoint and (not isinstance(checkpoint, dict) or "state_dict" not in checkpoint):
        found = sorted(map(str, checkpoint))[:8] if isinstance(checkpoint, dict) else type(checkpoint).__name__
        raise CheckpointError(
            f"{key}={path} is not a Lightning checkpoint: it has no 'state_dict' (found {found}){tail}"
        )
    return checkpoint


class AtomicCheckpointIO(TorchCheckpointIO):
    """``TorchCheckpointIO`` whose ``save_checkpoint`` is atomic on POSIX file systems and
    whose ``load_checkpoint`` is :func:`load_checkpoint` (``weights_only=True``, always)."""

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
