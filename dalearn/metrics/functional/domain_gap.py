r"""Distances between two dataset summaries (stage 2 of the domain gap: summarise, then compare).

With μ, v (population variance, floored at ``min_variance``) and C (population covariance)
of each summary (:class:`dalearn.metrics.DomainGapSummary`):

- ``klmvn_diag``: KL divergence between diagonal Gaussians, by default KL(source ‖ target)
  (``direction="source||target"``; ``"target||source"`` swaps the roles):
  KL(p ‖ q) = ½ Σ_d [ v_p/v_q − 1 − ln(v_p/v_q) + (μ_q − μ_p)²/v_q ]
- ``mmd_linear``: ‖μ_s − μ_t‖², the MMD² of the linear kernel.
- ``fid``: ‖μ_s − μ_t‖² + tr C_s + tr C_t − 2 tr (C_s C_t)^{1/2}, with ``eps``·I added to both
  covariances (the seed's 1e-6). The trace of the square root is Σ √λ_i over the eigenvalues
  of the symmetric PSD matrix C_s^{1/2} C_t C_s^{1/2}, which has the eigenvalues of C_s C_t —
  no complex sqrtm and no imaginary residue; the value is ≥ 0 up to rounding.
- ``wasserstein_1d``: mean over dimensions of W1 = ∫|F_s − F_t| from the Wasserstein sketches
  (:mod:`dalearn.metrics.wasserstein_sketch`); works for any number of dimensions.

All values are float64 scalars on the summaries' device.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import torch

from dalearn.metrics.domain_gap_summary import DomainGapSummary
from dalearn.metrics.wasserstein_sketch import wasserstein_per_dimension

METRICS = ("klmvn_diag", "mmd_linear", "fid", "wasserstein_1d")
DIRECTIONS = ("source||target", "target||source")


def as_summary(value: Any, name: str) -> DomainGapSummary:
    """A :class:`DomainGapSummary`, or the summary of a :class:`dalearn.metrics.DomainGap`."""
    if isinstance(value, DomainGapSummary):
        return value
    if hasattr(value, "summary") and callable(value.summary):
        return value.summary()
    raise ValueError(f"{name} must be a DomainGapSummary or a DomainGap metric, got {type(value).__name__}")


def _pair(source: Any, target: Any) -> tuple[DomainGapSummary, DomainGapSummary]:
    source, target = as_summary(source, "source"), as_summary(target, "target")
    source.check_compatible(target)
    source.check_nonempty()
    target.check_nonempty()
    return source, target.to(source.sum.device)


def klmvn_diag(source: Any, target: Any, direction: str = "source||target", min_variance: float = 1e-9) -> torch.Tensor:
    """KL divergence between the diagonal Gaussians of two summaries; ``direction`` names
    which way: ``"source||target"`` (default) is KL(source ‖ target)."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
    source, target = _pair(source, target)
    p, q = (source, target) if direction == "source||target" else (target, source)
    v_p, v_q = p.variance(min_variance), q.variance(min_variance)
    ratio = v_p / v_q
    return 0.5 * (ratio - 1.0 - torch.log(ratio) + (q.mean() - p.mean()).square() / v_q).sum()


def mmd_linear(source: Any, target: Any) -> torch.Tensor:
    """‖μ_s − μ_t‖²."""
    source, target = _pair(source, target)
    return (source.mean() - target.mean()).square().sum()


def _sqrt_psd(matrix: torch.Tensor) -> torch.Tensor:
    values, vectors = torch.linalg.eigh(matrix)
    return (vectors * values.clamp_min(0.0).sqrt()) @ vectors.T


def fid(source: Any, target: Any, eps: float = 1e-6) -> torch.Tensor:
    """Fréchet distance between the Gaussians of two summaries built with ``fid=True``."""
    source, target = _pair(source, target)
    eye = torch.eye(source.num_features, dtype=torch.float64, device=source.sum.device)
    c_s = source.covariance() + eps * eye
    c_t = target.covariance() + eps * eye
    root_s = _sqrt_psd(c_s)
    product = root_s @ c_t @ root_s
    eigenvalues = torch.linalg.eigvalsh(0.5 * (product + product.T)).clamp_min(0.0)
    mean_term = (source.mean() - target.mean()).square().sum()
    return mean_term + torch.trace(c_s) + torch.trace(c_t) - 2.0 * eigenvalues.sqrt().sum()


def wasserstein_1d(source: Any, target: Any, reduction: str = "mean") -> torch.Tensor:
    """Per-dimension 1-D Wasserstein distance from two summaries built with
    ``wasserstein=True``: averaged (``reduction="mean"``) or per dimension (``"none"``)."""
    if reduction not in ("mean", "none"):
        raise ValueError(f"reduction must be 'mean' or 'none', got {reduction!r}")
    source, target = _pair(source, target)
    for name, summary in (("source", source), ("target", target)):
        if summary.sketch is None:
            raise ValueError(f"the {name} summary has no Wasserstein sketch; build it with wasserstein=True")
    per_dim = wasserstein_per_dimension(
        source.sketch, target.sketch, source.wasserstein_bits, source.wasserstein_octaves
    )
    return per_dim.mean() if reduction == "mean" else per_dim


_FUNCTIONS = {"klmvn_diag": klmvn_diag, "mmd_linear": mmd_linear, "fid": fid, "wasserstein_1d": wasserstein_1d}


def domain_gap(
    source: Any, target: Any, metric: Optional[str | Sequence[str]] = None
) -> torch.Tensor | dict[str, torch.Tensor]:
    """Distance(s) between two summaries (or :class:`dalearn.metrics.DomainGap` metrics).

    Args:
        source, target: :class:`DomainGapSummary` or ``DomainGap`` instances.
        metric: one name of :data:`METRICS` → a scalar tensor; a sequence of names → a dict;
            ``None`` → a dict of every distance both summaries support (``fid`` needs
            ``fid=True``, ``wasserstein_1d`` needs ``wasserstein=True`` on both sides).
            ``klmvn_diag`` is KL(source ‖ target).
    """
    if isinstance(metric, str):
        if metric not in _FUNCTIONS:
            raise ValueError(f"unknown domain-gap metric {metric!r}; choose from {METRICS}")
        return _FUNCTIONS[metric](source, target)
    source, target = as_summary(source, "source"), as_summary(target, "target")
    if metric is None:
        metric = ["klmvn_diag", "mmd_linear"]
        if source.has_fid and target.has_fid:
            metric.append("fid")
        if source.has_wasserstein and target.has_wasserstein:
            metric.append("wasserstein_1d")
    return {name: domain_gap(source, target, name) for name in metric}
