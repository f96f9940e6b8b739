"""Read a checkpoint (or any tensor file) a user is given without running code: the one place
dalearn calls ``torch.load``. Imports torch and the standard library only, so that
:mod:`dalearn.nn` (``backbone.weights``) uses it without Lightning, Hydra or OmegaConf.

A checkpoint is a pickle, and an unrestricted unpickler calls whatever callable the file
names (a ``__reduce__`` payload runs on load). :func:`load_checkpoint` is
``torch.load(weights_only=True)``: the restricted unpickler accepts tensors and plain data
only — all a dalearn checkpoint holds (weights, optimiser and loop states, the
``dalearn_history`` list of dicts) — and refuses anything else before running it. Errors name
the file and the config key it came from, and say what to do: not a checkpoint, a damaged
(truncated) one, one that needs code to load, or one without the part that was asked for.

Every reader goes through here: ``dalearn-eval``, ``dalearn-analyze`` (and ``--baseline``),
``resume=true``, ``ckpt_path``, SHOT's ``source_ckpt``, self-training's ``init_ckpt``,
``backbone.weights`` and :class:`dalearn.metrics.DomainGapSummary`.
"""

from __future__ import annotations

import pickle
import re
import zipfile
from pathlib import Path
from typing import Any, Union

import torch

ZIP_MAGIC = b"PK\x03\x04"


class CheckpointError(ValueError):
    """A checkpoint file that cannot or must not be loaded; the message says why and what to do."""


def _refused_global(message: str) -> str | None:
    found = re.search(r"GLOBAL (\S+)", message)
    return found.group(1) if found else None


def load_checkpoint(
    path: Union[str, Path],
    key: str = "ckpt_path",
    advice: str = "",
    map_location: Any = "cpu",
    mmap: bool = False,
    lightning_checkpoint: bool = True,
) -> Any:
    """Load ``path`` with ``torch.load(weights_only=True)``.

    ``key`` is the config key (or description) the path came from and ``advice`` what the
    user can do instead; both go into the error. ``mmap=True`` maps the tensors instead of
    reading them (a cheap validity check of a large file). ``lightning_checkpoint=True``
    demands a dict with a ``state_dict`` (what ``dalearn-train`` writes); ``False`` accepts
    any safe content (a bare state dict, a summary file). Raises :class:`FileNotFoundError`
    or :class:`CheckpointError`.
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
    except (RuntimeError, EOFError, KeyError, ValueError, OSError, IndexError, AttributeError, TypeError) as error:
        if is_zip:
            reason = f"the archive cannot be read: {str(error).splitlines()[0] if str(error) else type(error).__name__}"
        else:
            reason = f"a checkpoint is a zip archive written by torch.save, this file starts with {head!r}"
        raise CheckpointError(f"{key}={path} is not a readable PyTorch checkpoint ({reason}){tail}") from None
    if lightning_checkpoint and (not isinstance(checkpoint, dict) or "state_dict" not in checkpoint):
        found = sorted(map(str, checkpoint))[:8] if isinstance(checkpoint, dict) else type(checkpoint).__name__
        raise CheckpointError(
            f"{key}={path} is not a Lightning checkpoint: it has no 'state_dict' (found {found}){tail}"
        )
    return checkpoint


def load_state_dict(path: Union[str, Path], key: str, advice: str = "", containers=("state_dict", "model")) -> dict:
    """The tensors of a weights file: a bare state dict, or a dict holding one under one of
    ``containers`` (a Lightning checkpoint's ``state_dict``, a research code's ``model``).
    Raises :class:`CheckpointError` naming ``key`` when the file holds no such mapping."""
    state = load_checkpoint(path, key=key, advice=advice, lightning_checkpoint=False)
    for name in containers:
        if isinstance(state, dict) and isinstance(state.get(name), dict):
            state = state[name]
            break
    if not isinstance(state, dict) or not all(isinstance(value, torch.Tensor) for value in state.values()):
        found = sorted(map(str, state))[:8] if isinstance(state, dict) else type(state).__name__
        tail = f"; {advice}" if advice else ""
        raise CheckpointError(
            f"{key}={path} holds no state dict of tensors (a mapping name → tensor, alone or under "
            f"{' / '.join(repr(c) for c in containers)}; found {found}){tail}"
        )
    return state
