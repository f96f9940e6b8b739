"""``DomainGap``: a torchmetrics ``Metric`` that summarises one dataset for the domain-gap
distances, syncs the summary across processes and saves it."""

from __future__ import annotations

import os
from typing import Any, Optional

import torch
from torchmetrics import Metric

from dalearn.metrics._checks import check_rows
from dalearn.metrics.domain_gap_summary import (
    DEFAULT_WASSERSTEIN_BITS,
    DEFAULT_WASSERSTEIN_OCTAVES,
    DomainGapSummary,
)
from dalearn.metrics.functional.domain_gap import domain_gap
from dalearn.metrics.wasserstein_sketch import empty_sketch, merge_sketches, sketch_width


class DomainGap(Metric):
    r"""Streaming summary of one dataset (stage 1 of the gap): float64 count, Σx, Σx²,
    optionally Σxxᵀ (``fid=True``) and a per-dimension Wasserstein sketch
    (``wasserstein=True``). ``compute()`` (or :meth:`summary`) returns a
    :class:`DomainGapSummary`; distances between two of them come from
    :func:`dalearn.metrics.domain_gap` (stage 2) or :meth:`gap`:

    - ``klmvn_diag`` = KL(source ‖ target) of diagonal Gaussians,
    - ``mmd_linear`` = ‖μ_s − μ_t‖²,
    - ``fid`` = ‖μ_s − μ_t‖² + tr C_s + tr C_t − 2 tr (C_s C_t)^{1/2},
    - ``wasserstein_1d`` = mean over dimensions of ∫|F_s − F_t|,

    (formulas in :mod:`dalearn.metrics.functional.domain_gap`). Sums merge by addition and
    sketches by an exact merge (a custom ``dist_reduce_fx``), so the summary is the same
    whatever the batching, update order or number of processes.

    Args:
        fid: also accumulate Σxxᵀ (F² floats) for the FID.
        wasserstein: also accumulate the Wasserstein sketch (F · (3 + 2·octaves·2^bits) floats).
        num_features: F, to allocate the states up front. Needed under DDP when some process
            may see no rows; otherwise the states are allocated by the first update.
        wasserstein_bits: sketch resolution: bucket width ≤ 2^−bits of the value.
        wasserstein_octaves: sketch dynamic range: 2^octaves below the largest magnitude.

    Example:
        >>> clean, drifted = DomainGap(fid=True), DomainGap(fid=True)
        >>> clean.update(torch.randn(256, 8))
        >>> drifted.update(torch.randn(256, 8) + 0.5)
        >>> sorted(clean.gap(drifted))
        ['fid', 'klmvn_diag', 'mmd_linear']
    """

    is_differentiable = False
    higher_is_better = None
    full_state_update = False

    def __init__(
        self,
        fid: bool = False,
        wasserstein: bool = False,
        num_features: Optional[int] = None,
        wasserstein_bits: int = DEFAULT_WASSERSTEIN_BITS,
        wasserstein_octaves: int = DEFAULT_WASSERSTEIN_OCTAVES,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if num_features is not None and num_features < 1:
            raise ValueError(f"num_features must be a positive integer, got {num_features}")
        self.fid = bool(fid)
        self.wasserstein = bool(wasserstein)
        self.wasserstein_bits = int(wasserstein_bits)
        self.wasserstein_octaves = int(wasserstein_octaves)
        width = sketch_width(self.wasserstein_bits, self.wasserstein_octaves)
        d = 0 if num_features is None else int(num_features)
        f64 = torch.float64
        self.add_state("count", torch.zeros((), dtype=f64), dist_reduce_fx="sum")
        self.add_state("sum", torch.zeros(d, dtype=f64), dist_reduce_fx="sum")
        self.add_state("sum_sq", torch.zeros(d, dtype=f64), dist_reduce_fx="sum")
        if self.fid:
            self.add_state("sum_outer", torch.zeros(d, d, dtype=f64), dist_reduce_fx="sum")
        if self.wasserstein:
            sketch = (
                empty_sketch(d, self.wasserstein_bits, self.wasserstein_octaves)
                if d
                else torch.zeros(0, width, dtype=f64)
            )
            self.add_state("sketch", sketch, dist_reduce_fx=merge_sketches)

    def _allocated(self) -> bool:
        return self.sum.numel() > 0

    def update(self, x: torch.Tensor) -> None:
        """Add an (N, F) batch of rows to the summary."""
        x = check_rows("x", x, self.sum.numel() if self._allocated() else None, finite=False)
        if not self._allocated():
            self._set_from(
                DomainGapSummary.empty(
                    x.size(1), self.fid, self.wasserstein, self.wasserstein_bits, self.wasserstein_octaves, x.device
                )
            )
        self._set_from(self._state_summary().add_rows(x, checked=True))

    def _state_summary(self) -> DomainGapSummary:
        """A summary whose tensors are this metric's states (not copies)."""
        return DomainGapSummary(
            count=self.count,
            sum=self.sum,
            sum_sq=self.sum_sq,
            sum_outer=self.sum_outer if self.fid else None,
            sketch=self.sketch if self.wasserstein else None,
            wasserstein_bits=self.wasserstein_bits,
            wasserstein_octaves=self.wasserstein_octaves,
        )

    def _set_from(self, summary: DomainGapSummary) -> None:
        self.count, self.sum, self.sum_sq = summary.count, summary.sum, summary.sum_sq
        if self.fid:
            self.sum_outer = summary.sum_outer
        if self.wasserstein:
            self.sketch = summary.sketch

    def _reduce_states(self, incoming_state: dict[str, Any]) -> None:
        """Merge another state into this one; a side that has not been allocated yet (no
        rows, no ``num_features``) takes the other side's states."""
        if incoming_state["sum"].numel() == 0:
            return
        if not self._allocated():
            for name in self._defaults:
                setattr(self, name, incoming_state[name])
            return
        if incoming_state["sum"].numel() != self.sum.numel():
            raise ValueError(
                f"feature dimension mismatch: cannot merge a summary of {incoming_state['sum'].numel()} "
                f"features into one of {self.sum.numel()}"
            )
        super()._reduce_states(incoming_state)

    def compute(self) -> DomainGapSummary:
        """The :class:`DomainGapSummary` of every row seen (synced across processes)."""
        if not self._allocated() or float(self.count) == 0:
            raise ValueError("DomainGap.compute() called before any update with rows; call update(x) first")
        return self._state_summary().clone()

    def summary(self) -> DomainGapSummary:
        """Alias of :meth:`compute`."""
        return self.compute()

    def save(self, path: str | os.PathLike) -> None:
        """Write the summary to a file (:meth:`DomainGapSummary.save`)."""
        self.compute().save(path)

    def load(self, path: str | os.PathLike) -> None:
        """Replace the state by a summary file written with :meth:`save` (same options)."""
        summary = DomainGapSummary.load(path, map_location=self.device)
        if summary.has_fid != self.fid or summary.has_wasserstein != self.wasserstein:
            raise ValueError(
                f"{path} holds a summary with fid={summary.has_fid}, wasserstein={summary.has_wasserstein}; "
                f"this DomainGap has fid={self.fid}, wasserstein={self.wasserstein}"
            )
        if self.wasserstein and (summary.wasserstein_bits, summary.wasserstein_octaves) != (
            self.wasserstein_bits,
            self.wasserstein_octaves,
        ):
            raise ValueError(f"{path} holds a Wasserstein sketch of another resolution")
        if self._allocated() and summary.num_features != self.sum.numel():
            raise ValueError(f"{path} summarises {summary.num_features} features, this DomainGap {self.sum.numel()}")
        self._set_from(summary)
        self._update_count = max(self._update_count, 1)
        self._computed = None

    def gap(self, other: "DomainGap | DomainGapSummary", metric: Optional[str | list[str]] = None) -> Any:
        """:func:`dalearn.metrics.domain_gap` with this dataset as the source."""
        return domain_gap(self.summary(), other, metric)
