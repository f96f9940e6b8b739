"""How the domain gap grows with the drift level: the numbers behind the drift plots.

:func:`drift_level_study` drifts one fixed set of clean images at each level (same seed at
every level, so each image gets the same random parameters scaled by the level), embeds the
clean and drifted images with one :class:`~dalearn.drift.embeddings.Embedder`, and measures

- the reference generator's **paired KL** per batch (default 32 images, as the reference):
  for image ``i`` with clean embedding ``e_i`` and drifted embedding ``d_i``,
  ``KL_i = KL(softmax(d_i) ‖ softmax(e_i)) = Σ_k p_k (ln p_k − ln q_k)``, ``p = softmax(d_i)``,
  ``q = softmax(e_i)``; a batch row holds the mean and standard deviation of ``KL_i``;
- the **domain gap** between a *separate* clean reference set and the drifted set with
  :class:`dalearn.metrics.DomainGap` (``fid``, ``klmvn_diag`` = KL(reference ‖ drifted) of
  diagonal Gaussians, ``mmd_linear``, ``wasserstein_1d``). Because the reference images are
  not the drifted ones, level 0 shows the sampling floor of each distance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence, Union

import torch
import torch.nn.functional as F
from torch import Tensor

from dalearn.drift.embeddings import Embedder
from dalearn.drift.transforms import ImageTransform, TransformInfo, apply_drift
from dalearn.metrics import DomainGap, DomainGapSummary, domain_gap

GAP_METRICS = ("fid", "klmvn_diag", "mmd_linear", "wasserstein_1d")
LevelSteps = Callable[[float], Sequence[TransformInfo]]


def reference_default(level: float) -> list[TransformInfo]:
    """The reference generator's DEFAULT, for comparison: GAUSSIAN_BLUR at ``L`` for
    ``L ≤ 0.5``, GAUSSIAN_NOISE at ``L − 0.4`` above (without its 0.1 noise-mean offset) — a
    jump at 0.5, which dalearn's DEFAULT removes."""
    if level <= 0.5:
        return [TransformInfo(ImageTransform.GAUSSIAN_BLUR, level)]
    return [TransformInfo(ImageTransform.GAUSSIAN_NOISE, round(level - 0.4, 10))]


def paired_kl(clean: Tensor, drifted: Tensor) -> Tensor:
    """Per-row ``KL(softmax(drifted) ‖ softmax(clean))`` of two ``[N, D]`` embedding tensors."""
    if clean.shape != drifted.shape or clean.dim() != 2:
        raise ValueError(
            f"need two [N, D] embeddings of the same shape, got {tuple(clean.shape)}, {tuple(drifted.shape)}"
        )
    log_p = F.log_softmax(drifted.double(), dim=1)
    log_q = F.log_softmax(clean.double(), dim=1)
    return (log_p.exp() * (log_p - log_q)).sum(dim=1)


@dataclass
class LevelStudy:
    """Rows of a drift-level study, ready for CSV and plots.

    ``kl_rows``: ``{level, batch, kl_mean, kl_std, n}`` (one per batch and level);
    ``gap_rows``: ``{level, metric, value}``.
    """

    transform: str
    levels: list[float]
    kl_rows: list[dict] = field(default_factory=list)
    gap_rows: list[dict] = field(default_factory=list)

    def gap_curve(self, metric: str) -> list[float]:
        """The ``metric`` value at each level, in level order."""
        by_level = {row["level"]: row["value"] for row in self.gap_rows if row["metric"] == metric}
        return [by_level[level] for level in self.levels]

    def mean_kl_curve(self) -> list[float]:
        """The mean paired KL over all images at each level."""
        curve = []
        for level in self.levels:
            rows = [r for r in self.kl_rows if r["level"] == level]
            curve.append(sum(r["kl_mean"] * r["n"] for r in rows) / sum(r["n"] for r in rows))
        return curve


def _summary(embeddings: Tensor, metrics: Sequence[str]) -> DomainGapSummary:
    metric = DomainGap(fid="fid" in metrics, wasserstein="wasserstein_1d" in metrics)
    metric.update(embeddings.double())
    return metric.compute()


def drift_level_study(
    images: Tensor,
    reference: Tensor,
    embedder: Embedder,
    levels: Sequence[float],
    transform: Union[ImageTransform, str, LevelSteps] = ImageTransform.DEFAULT,
    seed: int = 0,
    batch_size: int = 32,
    metrics: Sequence[str] = GAP_METRICS,
) -> LevelStudy:
    """Measure the paired KL and the domain gap at each drift level.

    Args:
        images: clean images ``[N, C, H, W]`` in [0, 1] that are drifted at every level.
        reference: other clean images, the reference set of the domain gap.
        embedder: the embedding model (loaded once, used for every level).
        levels: drift levels in [0, 1].
        transform: the transform studied (DEFAULT: blur and noise ramped together), or a
            function ``level → [TransformInfo, …]`` such as :func:`reference_default`.
        seed: seed of the drift parameters (the same at every level).
        batch_size: images per paired-KL batch.
        metrics: the DomainGap distances to compute (a subset of :data:`GAP_METRICS`; ``fid``
            needs a D×D covariance and an eigendecomposition per level).
    """
    if batch_size < 1 or not len(levels):
        raise ValueError(f"need batch_size ≥ 1 and at least one level, got {batch_size}, {list(levels)}")
    unknown = sorted(set(metrics) - set(GAP_METRICS))
    if unknown or not metrics:
        raise ValueError(f"metrics must be a non-empty subset of {GAP_METRICS}, got {list(metrics)}")
    metrics = [m for m in GAP_METRICS if m in metrics]
    if callable(transform):
        name, steps = getattr(transform, "__name__", "custom"), transform
    else:
        kind = ImageTransform.parse(transform)
        name, steps = kind.name, (lambda level: [TransformInfo(kind, level)])
    outside = [level for level in levels if not 0.0 <= float(level) <= 1.0]
    if outside:
        raise ValueError(f"drift_level values must lie in [0, 1], got {outside}")
    plan = [(float(level), list(steps(float(level)))) for level in levels]
    reference_summary = _summary(embedder(reference), metrics)
    clean = embedder(images)
    study = LevelStudy(name, [level for level, _ in plan])
    for level, infos in plan:
        drifted_images = apply_drift(images, infos, torch.Generator().manual_seed(seed))
        drifted = embedder(drifted_images)
        kl = paired_kl(clean, drifted)
        for batch, start in enumerate(range(0, len(kl), batch_size)):
            part = kl[start : start + batch_size]
            std = part.std().item() if len(part) > 1 else 0.0
            study.kl_rows.append(
                {"level": level, "batch": batch, "kl_mean": part.mean().item(), "kl_std": std, "n": len(part)}
            )
        gaps = domain_gap(reference_summary, _summary(drifted, metrics), metrics)
        for metric in metrics:
            study.gap_rows.append({"level": level, "metric": metric, "value": float(gaps[metric])})
    return study
