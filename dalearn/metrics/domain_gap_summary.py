r"""Streaming summary of one dataset for the domain-gap distances (stage 1 of the gap).

A summary holds float64 sufficient statistics of the rows x ∈ R^F seen so far:

    n = count,  Σx,  Σx²  (per dimension),  Σxxᵀ (optional, for the FID),
    a Wasserstein sketch (optional; :mod:`dalearn.metrics.wasserstein_sketch`).

From them: μ = Σx/n, v = max(Σx²/n − μ², min_variance) (population variance),
C = Σxxᵀ/n − μμᵀ (population covariance). Merging two summaries adds the sums and merges the
sketches — exact and independent of the order or the batching. A summary saves to and loads
from a file (``torch.save`` of plain tensors; loaded with ``weights_only=True``) tagged with
its format name and version.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Optional

import torch

from dalearn.io import atomic_path
from dalearn.io.trusted.checkpoints import CheckpointError, load_checkpoint
from dalearn.metrics._checks import check_finite, check_float64_squares, check_rows
from dalearn.metrics.wasserstein_sketch import empty_sketch, merge_sketches, sketch_update, sketch_width

FORMAT = "dalearn.metrics.DomainGapSummary"
VERSION = 1
DEFAULT_WASSERSTEIN_BITS = 7
DEFAULT_WASSERSTEIN_OCTAVES = 16


@dataclass
class DomainGapSummary:
    """Sufficient statistics of one dataset (see the module docstring).

    Example:
        >>> s = DomainGapSummary.from_tensor(torch.randn(100, 8), fid=True, wasserstein=True)
        >>> t = DomainGapSummary.from_tensor(torch.randn(100, 8) + 1.0, fid=True, wasserstein=True)
        >>> from dalearn.metrics import domain_gap
        >>> sorted(domain_gap(s, t))
        ['fid', 'klmvn_diag', 'mmd_linear', 'wasserstein_1d']
    """

    count: torch.Tensor
    sum: torch.Tensor
    sum_sq: torch.Tensor
    sum_outer: Optional[torch.Tensor] = None
    sketch: Optional[torch.Tensor] = None
    wasserstein_bits: int = DEFAULT_WASSERSTEIN_BITS
    wasserstein_octaves: int = DEFAULT_WASSERSTEIN_OCTAVES
    origin: Optional[str] = field(default=None, compare=False)

    @classmethod
    def empty(
        cls,
        num_features: int,
        fid: bool = False,
        wasserstein: bool = False,
        wasserstein_bits: int = DEFAULT_WASSERSTEIN_BITS,
        wasserstein_octaves: int = DEFAULT_WASSERSTEIN_OCTAVES,
        device: torch.device | None = None,
    ) -> "DomainGapSummary":
        zeros = torch.zeros(num_features, dtype=torch.float64, device=device)
        return cls(
            count=torch.zeros((), dtype=torch.float64, device=device),
            sum=zeros,
            sum_sq=zeros.clone(),
            sum_outer=torch.zeros(num_features, num_features, dtype=torch.float64, device=device) if fid else None,
            sketch=empty_sketch(num_features, wasserstein_bits, wasserstein_octaves, device) if wasserstein else None,
            wasserstein_bits=wasserstein_bits,
            wasserstein_octaves=wasserstein_octaves,
        )

    @classmethod
    def from_tensor(
        cls,
        x: torch.Tensor,
        fid: bool = False,
        wasserstein: bool = False,
        wasserstein_bits: int = DEFAULT_WASSERSTEIN_BITS,
        wasserstein_octaves: int = DEFAULT_WASSERSTEIN_OCTAVES,
        batch_size: int = 8192,
    ) -> "DomainGapSummary":
        """Summary of an (N, F) tensor, computed ``batch_size`` rows at a time."""
        x = check_rows("x", x, finite=False)
        summary = cls.empty(x.size(1), fid, wasserstein, wasserstein_bits, wasserstein_octaves, x.device)
        for start in range(0, x.size(0), batch_size):
            summary.add_rows(x[start : start + batch_size], checked=True)
        return summary

    def add_rows(self, x: torch.Tensor, checked: bool = False) -> "DomainGapSummary":
        """Accumulate an (N, F) batch in place (one float64 copy of it); returns self.

        NaN or infinite values are detected from the batch's float64 column sums (a NaN or an
        infinity makes its column sum non-finite), then named row by row; nothing is added.
        Values so large that Σx² overflows float64 (|x| ≳ 1e154) are refused with an error
        that says to rescale them (Σx is checked the same way; by Cauchy–Schwarz a finite Σx²
        keeps every entry of Σxxᵀ finite). With Σxxᵀ, the stored Σx² is its diagonal.
        A batch that is refused (non-finite, overflowing, or beyond what the Wasserstein
        sketch can bucket) leaves the summary exactly as it was: the sketch, which can refuse
        values, is updated before any sum.
        """
        if not checked:
            x = check_rows("x", x, self.num_features, finite=False)
        x64 = x.to(torch.float64)
        batch_sum = x64.sum(dim=0)
        if not bool(torch.isfinite(batch_sum).all()):
            check_finite("x", x)
            raise ValueError("the float64 sum of x overflows; rescale the features before summarising them")
        batch_sq = x64.square().sum(dim=0)
        total_sq = self.sum_sq + batch_sq
        check_float64_squares("x", float(total_sq.abs().max()), "squares (Σx², and so Σxxᵀ) summed so far")
        if self.sketch is not None:
            self.sketch = sketch_update(self.sketch, x, self.wasserstein_bits, self.wasserstein_octaves)
        self.count += x.size(0)
        self.sum += batch_sum
        if self.sum_outer is not None:
            self.sum_outer.addmm_(x64.T, x64)
            self.sum_sq.copy_(torch.diagonal(self.sum_outer))
        else:
            self.sum_sq.copy_(total_sq)
        return self

    @property
    def num_features(self) -> int:
        return self.sum.numel()

    @property
    def has_fid(self) -> bool:
        return self.sum_outer is not None

    @property
    def has_wasserstein(self) -> bool:
        return self.sketch is not None

    def _describe(self) -> str:
        return f"summary loaded from {self.origin}" if self.origin else "summary"

    def check_nonempty(self) -> None:
        if float(self.count) <= 0:
            raise ValueError(f"the {self._describe()} is empty (count 0); update it with rows first")

    def mean(self) -> torch.Tensor:
        """μ = Σx / n."""
        self.check_nonempty()
        return self.sum / self.count

    def variance(self, min_variance: float = 1e-9) -> torch.Tensor:
        """Population variance per dimension, max(Σx²/n − μ², min_variance)."""
        mu = self.mean()
        return (self.sum_sq / self.count - mu.square()).clamp_min(min_variance)

    def covariance(self) -> torch.Tensor:
        """Population covariance C = Σxxᵀ/n − μμᵀ (needs ``fid=True``)."""
        if self.sum_outer is None:
            raise ValueError(f"the {self._describe()} has no Σxxᵀ; build it with fid=True to compute the FID")
        mu = self.mean()
        return self.sum_outer / self.count - torch.outer(mu, mu)

    def check_compatible(self, other: "DomainGapSummary") -> None:
        """Same feature count (and sketch resolution when both have sketches)."""
        if self.num_features != other.num_features:
            raise ValueError(
                f"feature dimension mismatch between summaries: {self.num_features} and {other.num_features}"
            )
        if (
            self.has_wasserstein
            and other.has_wasserstein
            and (
                (self.wasserstein_bits, self.wasserstein_octaves) != (other.wasserstein_bits, other.wasserstein_octaves)
            )
        ):
            raise ValueError(
                "Wasserstein sketches with different resolutions cannot be combined: "
                f"(bits, octaves) = {(self.wasserstein_bits, self.wasserstein_octaves)} and "
                f"{(other.wasserstein_bits, other.wasserstein_octaves)}"
            )

    def merge(self, other: "DomainGapSummary") -> "DomainGapSummary":
        """Summary of the union of both datasets (exact). Optional statistics are kept only
        when both summaries have them."""
        self.check_compatible(other)
        other = other.to(self.sum.device)
        both_fid = self.has_fid and other.has_fid
        both_w = self.has_wasserstein and other.has_wasserstein
        return DomainGapSummary(
            count=self.count + other.count,
            sum=self.sum + other.sum,
            sum_sq=self.sum_sq + other.sum_sq,
            sum_outer=self.sum_outer + other.sum_outer if both_fid else None,
            sketch=merge_sketches(torch.stack([self.sketch, other.sketch])) if both_w else None,
            wasserstein_bits=self.wasserstein_bits,
            wasserstein_octaves=self.wasserstein_octaves,
        )

    __add__ = merge

    def _map(self, fn) -> "DomainGapSummary":
        keep = lambda t: None if t is None else fn(t)
        return DomainGapSummary(
            keep(self.count),
            keep(self.sum),
            keep(self.sum_sq),
            keep(self.sum_outer),
            keep(self.sketch),
            self.wasserstein_bits,
            self.wasserstein_octaves,
            self.origin,
        )

    def to(self, device: torch.device | str) -> "DomainGapSummary":
        return self._map(lambda t: t.to(device))

    def clone(self) -> "DomainGapSummary":
        return self._map(torch.clone)

    def state_dict(self) -> dict:
        """Plain tensors and numbers, as written by :meth:`save`."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "count": self.count.cpu(),
            "sum": self.sum.cpu(),
            "sum_sq": self.sum_sq.cpu(),
            "sum_outer": None if self.sum_outer is None else self.sum_outer.cpu(),
            "sketch": None if self.sketch is None else self.sketch.cpu(),
            "wasserstein_bits": self.wasserstein_bits,
            "wasserstein_octaves": self.wasserstein_octaves,
        }

    def save(self, path: str | os.PathLike) -> None:
        """Write the summary to ``path`` (written to a temporary file, then renamed)."""
        with atomic_path(path) as partial:
            torch.save(self.state_dict(), partial)

    @classmethod
    def load(cls, path: str | os.PathLike, map_location: torch.device | str = "cpu") -> "DomainGapSummary":
        """Read a summary written by :meth:`save`; a file of another kind or version raises."""
        path = os.fspath(path)
        try:
            state = load_checkpoint(path, key="summary", map_location=map_location, lightning_checkpoint=False)
        except CheckpointError as err:  # not a zip, damaged, or a pickle that would run code
            raise ValueError(f"{path} is not a DomainGap summary file ({err})") from None
        return cls.from_state_dict(state, where=path)

    @classmethod
    def from_state_dict(cls, state: dict, where: str = "state") -> "DomainGapSummary":
        if not isinstance(state, dict) or state.get("format") != FORMAT:
            found = state.get("format") if isinstance(state, dict) else type(state).__name__
            raise ValueError(f"{where} is not a DomainGap summary: format is {found!r}, expected {FORMAT!r}")
        if state.get("version") != VERSION:
            raise ValueError(
                f"{where} is a DomainGap summary of version {state.get('version')!r}; this dalearn reads version "
                f"{VERSION}. Recompute the summary with this version"
            )
        summary = cls(
            count=state["count"],
            sum=state["sum"],
            sum_sq=state["sum_sq"],
            sum_outer=state["sum_outer"],
            sketch=state["sketch"],
            wasserstein_bits=int(state["wasserstein_bits"]),
            wasserstein_octaves=int(state["wasserstein_octaves"]),
            origin=where,
        )
        summary._check_shapes(where)
        return summary

    def _check_shapes(self, where: str) -> None:
        d = self.sum.numel()
        expected = {"count": (), "sum": (d,), "sum_sq": (d,)}
        if self.sum_outer is not None:
            expected["sum_outer"] = (d, d)
        if self.sketch is not None:
            expected["sketch"] = (d, sketch_width(self.wasserstein_bits, self.wasserstein_octaves))
        for name, shape in expected.items():
            value = getattr(self, name)
            if tuple(value.shape) != shape or value.dtype != torch.float64:
                raise ValueError(
                    f"{where}: entry {name!r} has shape {tuple(value.shape)} and dtype {value.dtype}, "
                    f"expected {shape} float64 — the file is corrupt or was not written by DomainGapSummary.save"
                )
