"""Drift schedules: how strongly each sample of the generated stream is drifted.

A schedule maps a sample's position ``i`` in the stream (its ``sample_id``) to a *severity*
``s_i ∈ [0, 1]`` that multiplies every drift level of the transform list (``s = 1``: the
levels as given, ``s = 0``: the clean image). With ``a = start`` and ``b = end``:

- **abrupt** — ``s_i = 1`` for ``i ≥ a``, else 0 (the reference generator's only kind, with
  ``a = 0``: every sample drifted);
- **gradual** — the *share* of drifted samples grows: sample ``i`` is drawn from the drifted
  distribution (``s_i = 1``) with probability ``p_i = clip((i − a) / (b − a), 0, 1)``, else it
  is clean (``s_i = 0``); one Bernoulli draw per sample;
- **incremental** — the drift level itself ramps: ``s_i = clip((i − a) / (b − a), 0, 1)``.

The severity and whether the sample is drifted (``s_i > 0``) are recorded per sample.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

KINDS = ("abrupt", "gradual", "incremental")


@dataclass(frozen=True)
class DriftSchedule:
    """``kind`` in :data:`KINDS`; ``start`` (and for gradual/incremental ``end > start``) are
    sample positions in the generated stream."""

    kind: str = "abrupt"
    start: int = 0
    end: Optional[int] = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown drift schedule {self.kind!r}; choose one of {KINDS}")
        if isinstance(self.start, bool) or not isinstance(self.start, (int, np.integer)) or self.start < 0:
            raise ValueError(f"drift start must be a sample position ≥ 0, got {self.start!r}")
        if self.kind == "abrupt":
            if self.end is not None:
                raise ValueError("an abrupt drift has no end; give only start")
            return
        if isinstance(self.end, bool) or not isinstance(self.end, (int, np.integer)) or self.end <= self.start:
            raise ValueError(
                f"a {self.kind} drift needs an end position greater than start={self.start}, got end={self.end!r}"
            )

    def ramp(self, positions: np.ndarray) -> np.ndarray:
        """``clip((i − start) / (end − start), 0, 1)``; for abrupt the step ``i ≥ start``."""
        positions = np.asarray(positions, dtype=np.float64)
        if self.kind == "abrupt":
            return (positions >= self.start).astype(np.float64)
        return np.clip((positions - self.start) / (self.end - self.start), 0.0, 1.0)

    def severity(self, positions: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Per-sample severity in [0, 1]; gradual draws one uniform per sample from ``rng``
        (the other kinds draw nothing)."""
        ramp = self.ramp(positions)
        if self.kind == "gradual":
            return (rng.random(len(ramp)) < ramp).astype(np.float64)
        return ramp
