"""Checks of the tensors a validator receives. Every failure is a ``ValueError`` that names
the validator, the input and what to pass instead, so a bad batch never becomes a silently
wrong score."""

from __future__ import annotations

from typing import Optional

import torch

PROBABILITY_TOLERANCE = 1e-3


# What a column of each kind of matrix is, and what to pass when the width changes between updates.
_WIDTH = {
    "features": ("columns", "pass the same feature layer in every update"),
    "logits": ("classes (columns)", "pass the outputs of the same classifier in every update"),
    "probabilities": ("classes (columns)", "pass the outputs of the same classifier in every update"),
}


def _matrix(owner: str, name: str, x: object, what: str, width: Optional[int]) -> torch.Tensor:
    """An (N, W) finite real matrix of ``what`` (float32 or float64), W equal to ``width`` if given."""
    if not isinstance(x, torch.Tensor):
        raise ValueError(f"{owner}: {name} must be a torch.Tensor of {what}, got {type(x).__name__}")
    if x.dim() != 2 or x.size(1) == 0:
        raise ValueError(f"{owner}: {name} must have shape (N, C) or (N, D) with C, D ≥ 1, got {tuple(x.shape)}")
    if x.is_complex() or not (x.is_floating_point() or x.dtype in (torch.int32, torch.int64, torch.uint8)):
        raise ValueError(f"{owner}: {name} must hold real numbers, got dtype {x.dtype}")
    x = x.detach()
    if x.dtype not in (torch.float32, torch.float64):
        x = x.to(torch.float32)
    finite = torch.isfinite(x).all(dim=1)
    if not bool(finite.all()):
        bad = torch.nonzero(~finite).flatten()
        shown = ", ".join(str(int(i)) for i in bad[:5]) + (", ..." if bad.numel() > 5 else "")
        raise ValueError(
            f"{owner}: {name} contains NaN or infinite values in {bad.numel()} of {x.size(0)} rows (rows {shown}); "
            "pass finite values (check the model for a diverged loss)"
        )
    if width is not None and x.size(1) != width:
        unit, advice = _WIDTH[what]
        raise ValueError(f"{owner}: {name} has {x.size(1)} {unit}, but earlier inputs have {width}; {advice}")
    return x


def check_features(owner: str, name: str, x: object, dim: Optional[int]) -> torch.Tensor:
    """An (N, D) finite feature matrix whose D equals ``dim`` (the width seen before, if any)."""
    return _matrix(owner, name, x, "features", dim)


def check_logits(owner: str, name: str, x: object, num_classes: Optional[int]) -> torch.Tensor:
    """An (N, C) finite logit matrix with ``num_classes`` columns (if known)."""
    return _matrix(owner, name, x, "logits", num_classes)


def check_probs(owner: str, name: str, x: object, num_classes: Optional[int]) -> torch.Tensor:
    """An (N, C) matrix of probability rows: entries ≥ 0 that sum to 1 (within 1e-3)."""
    x = _matrix(owner, name, x, "probabilities", num_classes)
    if x.size(0) == 0:
        return x
    x64 = x.to(torch.float64)
    row_sums = x64.sum(dim=1)
    bad = torch.nonzero(((row_sums - 1.0).abs() > PROBABILITY_TOLERANCE) | (x64 < -PROBABILITY_TOLERANCE).any(dim=1))
    if bad.numel():
        row = int(bad[0])
        raise ValueError(
            f"{owner}: {name} must hold probability rows (entries ≥ 0 summing to 1), but {bad.numel()} of "
            f"{x.size(0)} rows do not (row {row} sums to {float(row_sums[row]):.6g}, minimum entry "
            f"{float(x64[row].min()):.6g}); pass softmax probabilities, e.g. logits.softmax(dim=1), not logits"
        )
    return x.clamp_min(0.0)


def check_labels(owner: str, name: str, y: object, num_rows: int, num_classes: int) -> torch.Tensor:
    """(N,) integer class indices in [0, num_classes), one per row of the matching logits."""
    if not isinstance(y, torch.Tensor):
        raise ValueError(f"{owner}: {name} must be a torch.Tensor of class indices, got {type(y).__name__}")
    if y.dim() != 1 or y.is_floating_point() or y.is_complex() or y.dtype == torch.bool:
        raise ValueError(
            f"{owner}: {name} must be a 1-D integer tensor of class indices, got shape {tuple(y.shape)} and dtype "
            f"{y.dtype}; pass labels, not one-hot rows"
        )
    if y.size(0) != num_rows:
        raise ValueError(f"{owner}: {name} has {y.size(0)} labels, but the matching logits have {num_rows} rows")
    y = y.detach().to(torch.int64)
    if y.numel() and (int(y.min()) < 0 or int(y.max()) >= num_classes):
        raise ValueError(
            f"{owner}: {name} must lie in [0, {num_classes}) for {num_classes} classes, got values from "
            f"{int(y.min())} to {int(y.max())}"
        )
    return y


def check_same_rows(owner: str, names: tuple[str, str], a: torch.Tensor, b: torch.Tensor) -> None:
    """Two inputs that describe the same rows must have the same row count."""
    if a.size(0) != b.size(0):
        raise ValueError(
            f"{owner}: {names[0]} has {a.size(0)} rows but {names[1]} has {b.size(0)}; pass both for the same images"
        )


def stored_rows(state: list[torch.Tensor] | torch.Tensor) -> list[torch.Tensor]:
    """A row state (a list of chunks, or the tensor torchmetrics concatenates on sync) as a
    list of non-empty chunks."""
    chunks = [state] if isinstance(state, torch.Tensor) else list(state)
    return [c for c in chunks if c.numel() > 0]


def concat_rows(
    state: list[torch.Tensor] | torch.Tensor, dtype: Optional[torch.dtype] = None
) -> Optional[torch.Tensor]:
    """All stored rows as one tensor (``dtype`` if given), or None when nothing is stored."""
    chunks = stored_rows(state)
    if not chunks:
        return None
    if dtype is not None:
        chunks = [c.to(dtype) for c in chunks]
    return torch.cat(chunks)


def stored_width(state: list[torch.Tensor] | torch.Tensor) -> Optional[int]:
    """Column count of the rows stored so far (None when nothing is stored)."""
    for chunk in stored_rows(state):
        if chunk.dim() == 2:
            return chunk.size(1)
    return None
