"""Input validation shared by the metrics. Every error is a ``ValueError`` that names the
argument, the shape or the offending rows, so that nothing is silently dropped."""

from __future__ import annotations

from typing import Optional

import torch


def check_rows(name: str, x: torch.Tensor, num_features: Optional[int] = None, finite: bool = True) -> torch.Tensor:
    """Validate an (N, F) batch of finite values and return it detached, as floating point.

    Integer and boolean inputs become float32; half precision becomes float32 (sums of half
    values overflow); float32 and float64 are kept. ``num_features`` is the feature count
    seen before (from earlier updates or the other domain); a different count is an error.
    ``finite=False`` skips the NaN/inf scan, for callers that detect non-finite values from
    sums they compute anyway (and then call :func:`check_finite` to name the rows).
    """
    if not isinstance(x, torch.Tensor):
        raise ValueError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if x.dim() != 2:
        raise ValueError(f"{name} must have shape (N, F), got {tuple(x.shape)}")
    if x.size(1) == 0:
        raise ValueError(f"{name} has no features, shape {tuple(x.shape)}")
    if num_features is not None and x.size(1) != num_features:
        raise ValueError(
            f"feature dimension mismatch: {name} has {x.size(1)} features, but earlier updates "
            f"(or the other domain) have {num_features}"
        )
    x = x.detach()
    if x.is_complex():
        raise ValueError(f"{name} must be real-valued, got dtype {x.dtype}")
    if x.dtype not in (torch.float32, torch.float64):
        x = x.to(torch.float32)
    if finite:
        check_finite(name, x)
    return x


def check_finite(name: str, x: torch.Tensor) -> None:
    """Raise a ValueError naming the rows of ``x`` that hold NaN or infinite values."""
    finite = torch.isfinite(x).all(dim=1)
    if not bool(finite.all()):
        bad = torch.nonzero(~finite).flatten()
        shown = ", ".join(str(int(i)) for i in bad[:5])
        more = "" if bad.numel() <= 5 else ", ..."
        raise ValueError(
            f"{name} contains NaN or infinite values in {bad.numel()} of {x.size(0)} rows "
            f"(rows {shown}{more}); remove or repair them before updating the metric"
        )


def stored_features(chunks: list[torch.Tensor] | torch.Tensor) -> Optional[int]:
    """Feature count of the rows stored so far (None when nothing is stored)."""
    if isinstance(chunks, torch.Tensor):
        return chunks.size(1) if chunks.dim() == 2 and chunks.numel() > 0 else None
    for chunk in chunks:
        if chunk.dim() == 2:
            return chunk.size(1)
    return None


def as_chunks(state: list[torch.Tensor] | torch.Tensor) -> list[torch.Tensor]:
    """A row state as a list of (n_i, F) chunks: a list state as it is, a synced (already
    concatenated) tensor as a one-element list, empty placeholders removed."""
    chunks = [state] if isinstance(state, torch.Tensor) else list(state)
    return [c for c in chunks if c.dim() == 2 and c.size(0) > 0]


def common_dtype(chunks: list[torch.Tensor]) -> torch.dtype:
    """float64 if any chunk is float64, else float32."""
    return torch.float64 if any(c.dtype == torch.float64 for c in chunks) else torch.float32
