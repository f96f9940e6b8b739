"""Input validation shared by :mod:`dalearn.losses` and :mod:`dalearn.metrics` (the one place
for these checks; the metrics import it): every error is a ``ValueError`` that names the
argument, the shape or the offending rows and says what to do."""

from __future__ import annotations

import math
from typing import Optional, Sequence

import torch

REDUCTIONS = ("none", "mean", "sum")


def _check_matrix(name: str, x: object, layout: str) -> None:
    """A 2-D tensor; ``layout`` names the axes in the error, e.g. ``"(N, C)"``."""
    if not isinstance(x, torch.Tensor):
        raise ValueError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if x.dim() != 2:
        raise ValueError(f"{name} must have shape {layout}, got {tuple(x.shape)}")


def check_features(name: str, x: torch.Tensor, layout: str = "(N, F)") -> None:
    """A non-empty 2-D tensor; ``layout`` names the axes in the error, e.g. ``"(N, C)"``."""
    _check_matrix(name, x, layout)
    if x.size(0) == 0:
        raise ValueError(f"{name} is an empty batch, shape {tuple(x.shape)}")


def check_rows(name: str, x: torch.Tensor, num_features: Optional[int] = None, finite: bool = True) -> torch.Tensor:
    """Validate an (N, F) batch of rows to be stored or summarised and return it detached,
    as floating point.

    Integer and boolean inputs become float32; half precision becomes float32 (sums of half
    values overflow); float32 and float64 are kept. ``num_features`` is the feature count
    seen before (from earlier updates or the other domain); a different count is an error.
    ``finite=False`` skips the NaN/inf scan, for callers that detect non-finite values from
    sums they compute anyway (and then call :func:`check_finite` to name the rows).
    """
    _check_matrix(name, x, "(N, F)")
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
    """Raise a ValueError naming the rows of the (N, F) ``x`` that hold NaN or infinite values."""
    finite = torch.isfinite(x).all(dim=1)
    if not bool(finite.all()):
        bad = torch.nonzero(~finite).flatten()
        shown = ", ".join(str(int(i)) for i in bad[:5])
        more = "" if bad.numel() <= 5 else ", ..."
        raise ValueError(
            f"{name} contains NaN or infinite values in {bad.numel()} of {x.size(0)} rows "
            f"(rows {shown}{more}); remove or repair them before updating the metric"
        )


def check_layer_rows(name: str, layers: Sequence[torch.Tensor]) -> None:
    """Every layer of one domain holds the same number of rows (one per sample)."""
    for layer, x in enumerate(layers[1:], start=1):
        if x.size(0) != layers[0].size(0):
            raise ValueError(
                f"{name}[{layer}] has {x.size(0)} rows but {name}[0] has {layers[0].size(0)}; "
                "every layer needs one row per sample"
            )


def check_pair(name_s: str, x_s: torch.Tensor, name_t: str, x_t: torch.Tensor, same_batch: bool = False) -> None:
    """Two (N, F) batches with the same F (and the same N when ``same_batch``)."""
    check_features(name_s, x_s)
    check_features(name_t, x_t)
    if x_s.size(1) != x_t.size(1):
        raise ValueError(
            f"{name_s} and {name_t} must have the same feature dimension, got {tuple(x_s.shape)} and {tuple(x_t.shape)}"
        )
    if same_batch and x_s.size(0) != x_t.size(0):
        raise ValueError(
            f"{name_s} and {name_t} must have the same batch size for this estimator, got "
            f"{tuple(x_s.shape)} and {tuple(x_t.shape)}"
        )


def check_weights(name: str, w: Optional[torch.Tensor], n: int) -> Optional[torch.Tensor]:
    """Optional per-sample weights: ``None`` or a tensor of n elements ((n,) or (n, 1)),
    returned flattened to (n,)."""
    if w is None:
        return None
    if not isinstance(w, torch.Tensor) or w.numel() != n or (w.dim() == 2 and w.size(1) != 1) or w.dim() > 2:
        shape = tuple(w.shape) if isinstance(w, torch.Tensor) else type(w).__name__
        raise ValueError(f"{name} must hold one weight per sample, shape ({n},), got {shape}")
    return w.reshape(-1)


def check_reduction(reduction: str) -> str:
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")
    return reduction


def reduce(values: torch.Tensor, reduction: str) -> torch.Tensor:
    if reduction == "mean":
        return values.mean()
    if reduction == "sum":
        return values.sum()
    return values


def binary_accuracy(logits: torch.Tensor, label: float) -> torch.Tensor:
    """Fraction of logits on the side of ``label`` (1 → logit ≥ 0, 0 → logit < 0)."""
    predicted = (logits.detach() >= 0).to(logits.dtype)
    return (predicted == label).float().mean()


def check_finite_values(name: str, x: torch.Tensor) -> None:
    """A floating-point tensor without NaN or infinity: one bad entry would silently poison
    the whole batch loss."""
    if not x.is_floating_point():
        raise ValueError(f"{name} must be a floating-point tensor, got dtype {x.dtype}")
    bad = (~torch.isfinite(x.detach())).sum().item()
    if bad:
        raise ValueError(
            f"{name} contains {bad} NaN or infinite value(s) out of {x.numel()}; "
            "check the network outputs (learning rate, mixed precision) before the loss"
        )


def check_positive(name: str, value: float) -> float:
    """A finite real number > 0, returned as float."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


def check_unit_interval(name: str, value: float) -> float:
    """A real number in (0, 1], returned as float."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 < value <= 1.0:
        raise ValueError(f"{name} must be a number in (0, 1], got {value!r}")
    return float(value)


def check_floating(name: str, x: torch.Tensor) -> None:
    """A floating-point tensor (features or logits, not labels or indices)."""
    if not x.is_floating_point():
        raise ValueError(
            f"{name} must be a floating-point tensor (features or logits), got dtype {x.dtype}; "
            f"pass the network's output, or convert with {name}.float()"
        )


def input_width(module: torch.nn.Module) -> Optional[int]:
    """The input width of a network whose first layer is ``nn.Linear`` (None otherwise)."""
    first = next((m for m in module.modules() if isinstance(m, torch.nn.Linear)), None)
    return None if first is None else int(first.in_features)
