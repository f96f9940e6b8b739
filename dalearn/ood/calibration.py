r"""Empirical distribution of calibration distances, with an optional exponential tail.

P(D ≤ d) for a new distance d, from calibration distances d_(1) ≤ … ≤ d_(n):

- ``tail="none"``: the empirical CDF, #{i : d_(i) ≤ d} / n (exact, no percentile grid). It
  is 1.0 for every d ≥ d_(n): all points beyond the calibration range look alike.
- ``tail="exponential"`` (default): the empirical CDF up to the threshold u = d_(n−k),
  k = max(1, ⌈tail_fraction · n⌉), and above it a peaks-over-threshold exponential tail
  fitted to the k exceedances (β = mean(d_(i) − u) over them):

      P(D ≤ d) = 1 − (k/n) · exp(−(d − u)/β)      for d > u,

  which meets the empirical CDF at u, keeps increasing beyond the calibration range and
  stays below 1, so a point far outside the calibration data gets a higher probability
  than one just outside it. When every exceedance equals u (β = 0) the empirical CDF is used.
  (In float64, 1 − (k/n)·e^{−(d−u)/β} rounds to 1.0 once d − u exceeds about 37β.)
"""

from __future__ import annotations

import math

import torch

TAILS = ("exponential", "none")


class EmpiricalCalibration:
    """Sorted calibration distances and the tail model; :meth:`cdf` maps distances to P(D ≤ d)."""

    def __init__(self, distances: torch.Tensor, tail: str = "exponential", tail_fraction: float = 0.05) -> None:
        if tail not in TAILS:
            raise ValueError(f"tail must be one of {TAILS}, got {tail!r}")
        if not 0.0 < tail_fraction < 1.0:
            raise ValueError(f"tail_fraction must be in (0, 1), got {tail_fraction}")
        n = distances.numel()
        if n < 2:
            raise ValueError(f"calibration needs at least 2 rows, got {n}")
        self.sorted = torch.sort(distances.flatten()).values
        self.tail = tail
        self.num_tail = max(1, math.ceil(tail_fraction * n)) if tail == "exponential" else 0
        if self.num_tail >= n:
            raise ValueError(f"tail_fraction={tail_fraction} leaves no calibration rows below the tail (n={n})")
        if self.num_tail:
            self.threshold = self.sorted[n - self.num_tail - 1]
            self.scale = (self.sorted[n - self.num_tail :] - self.threshold).mean()
        else:
            self.threshold = self.sorted[-1]
            self.scale = torch.zeros((), dtype=self.sorted.dtype, device=self.sorted.device)

    def to(self, device: torch.device) -> "EmpiricalCalibration":
        self.sorted, self.threshold, self.scale = (
            self.sorted.to(device),
            self.threshold.to(device),
            self.scale.to(device),
        )
        return self

    def cdf(self, d: torch.Tensor) -> torch.Tensor:
        """P(D ≤ d) elementwise."""
        n = self.sorted.numel()
        empirical = torch.searchsorted(self.sorted, d.contiguous(), right=True).to(self.sorted.dtype) / n
        if not self.num_tail or not bool(self.scale > 0):
            return empirical
        tail = 1.0 - (self.num_tail / n) * torch.exp(-(d - self.threshold) / self.scale)
        return torch.where(d > self.threshold, tail, empirical)
