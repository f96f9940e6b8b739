r"""DIME: distance to modelled embedding (Sjögren & Trygg, 2021; API of their dime-pytorch package).

``fit(x)`` models the training embeddings x ∈ R^{N×P} by a hyperplane from a truncated SVD,
x − μ = U S Vᵀ (μ = 0, i.e. a hyperplane through the origin as in the reference, unless
``center=True``, then μ = column means). The explained variance of component i is
s_i²/(N−1) and its ratio r_i = s_i² / Σ_j s_j². The rank k is

- ``explained_variance_threshold`` an int: k = that int (1 ≤ k ≤ min(N, P));
- a float τ ∈ (0, 1]: the smallest k with Σ_{i≤k} r_i ≥ τ (the reference returned k = 1 for
  every float: it took an argmax over a boolean that is True from the first component on).

With V_k the first k right singular vectors and scores t = (x − μ) V_k:

- ``distance_to_hyperplane(x)``  = ‖(x − μ) − (x − μ) V_k V_kᵀ‖₂  (residual norm);
- ``distance_within_hyperplane(x)`` = √((t − t̄)ᵀ Σ_t⁻¹ (t − t̄)), the Mahalanobis distance of
  the scores, with t̄ and Σ_t (sample covariance, N − 1) of the training scores.

``calibrate(x_cal)`` stores both distances of the calibration rows;
``return_probabilities=True`` gives P(D ≤ d) under them (:mod:`dalearn.ood.calibration`:
exact empirical CDF plus an exponential tail beyond the calibration range, instead of the
reference's 5 000-percentile grid that saturates at 1.0).

Computation is in float64; distances come back in the input's floating dtype and
probabilities in float64 (so that values close to 1 stay distinct), on the input's device.
"""

from __future__ import annotations

from typing import Optional

import torch

from dalearn.ood.calibration import EmpiricalCalibration


def _check_input(name: str, x: torch.Tensor, num_features: Optional[int] = None) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise ValueError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if x.dim() != 2 or x.size(0) == 0 or x.size(1) == 0:
        raise ValueError(f"{name} must be a non-empty (N, P) tensor, got shape {tuple(x.shape)}")
    if num_features is not None and x.size(1) != num_features:
        raise ValueError(
            f"feature dimension mismatch: {name} has {x.size(1)} features, the model was fitted on {num_features}"
        )
    if not bool(torch.isfinite(x).all()):
        bad = int((~torch.isfinite(x).all(dim=1)).sum())
        raise ValueError(f"{name} contains NaN or infinite values in {bad} of {x.size(0)} rows")
    return x


class DIME:
    """Distance to modelled embedding (see the module docstring).

    Args:
        explained_variance_threshold: float in (0, 1] (cumulative explained-variance ratio)
            or int ≥ 1 (the rank). Default 0.99.
        center: subtract the training mean before the SVD (the reference does not).
        tail: ``"exponential"`` (default) or ``"none"`` — how probabilities behave beyond
            the calibration range.
        tail_fraction: share of the calibration distances used to fit the tail.

    Example:
        >>> x = torch.randn(200, 3) @ torch.randn(3, 10)
        >>> dime = DIME(explained_variance_threshold=0.99).fit(x).calibrate(x[:100])
        >>> dime.rank
        3
        >>> dime.distance_to_hyperplane(torch.randn(5, 10), return_probabilities=True).shape
        torch.Size([5])
    """

    def __init__(
        self,
        explained_variance_threshold: float | int = 0.99,
        center: bool = False,
        tail: str = "exponential",
        tail_fraction: float = 0.05,
    ) -> None:
        threshold = explained_variance_threshold
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
            raise ValueError(f"explained_variance_threshold must be a float in (0, 1] or an int ≥ 1, got {threshold!r}")
        if isinstance(threshold, int) and threshold < 1:
            raise ValueError(f"an int explained_variance_threshold is the rank and must be ≥ 1, got {threshold}")
        if isinstance(threshold, float) and not 0.0 < threshold <= 1.0:
            raise ValueError(f"a float explained_variance_threshold must be in (0, 1], got {threshold}")
        self.explained_variance_threshold = threshold
        self.center = bool(center)
        self.tail = tail
        self.tail_fraction = tail_fraction
        self.rank: Optional[int] = None
        self.explained_variance: Optional[torch.Tensor] = None
        self.explained_variance_ratio: Optional[torch.Tensor] = None
        self._calibration: dict[str, EmpiricalCalibration] = {}

    def _fitted(self) -> None:
        if self.rank is None:
            raise ValueError("DIME is not fitted; call fit(x) first")

    def fit(self, x: torch.Tensor) -> "DIME":
        """Fit the hyperplane to training embeddings (N, P); returns self."""
        x = _check_input("x", x)
        n, p = x.shape
        if n < 2:
            raise ValueError(f"fit needs at least 2 rows, got {n}")
        x64 = x.to(torch.float64)
        self.mean = x64.mean(dim=0) if self.center else torch.zeros(p, dtype=torch.float64, device=x.device)
        _, singular, vh = torch.linalg.svd(x64 - self.mean, full_matrices=False)
        self.explained_variance = singular.square() / (n - 1)
        self.explained_variance_ratio = self.explained_variance / self.explained_variance.sum()
        self.rank = self._select_rank(self.explained_variance_ratio)
        self.components = vh[: self.rank].T.contiguous()
        scores = (x64 - self.mean) @ self.components
        self.score_mean = scores.mean(dim=0)
        centered = scores - self.score_mean
        self.score_precision = torch.linalg.pinv(centered.T @ centered / (n - 1), hermitian=True)
        self.num_features = p
        self._calibration = {}
        return self

    def _select_rank(self, ratio: torch.Tensor) -> int:
        threshold = self.explained_variance_threshold
        if isinstance(threshold, int):
            if threshold > ratio.numel():
                raise ValueError(f"rank {threshold} exceeds min(N, P) = {ratio.numel()}")
            return threshold
        reached = torch.cumsum(ratio, dim=0) >= threshold - 1e-12
        return int(torch.nonzero(reached)[0]) + 1 if bool(reached.any()) else ratio.numel()

    def _to(self, device: torch.device) -> None:
        for name in ("mean", "components", "score_mean", "score_precision"):
            setattr(self, name, getattr(self, name).to(device))
        for calibration in self._calibration.values():
            calibration.to(device)

    def _distances(self, x: torch.Tensor, kind: str) -> torch.Tensor:
        self._fitted()
        x = _check_input("x", x, self.num_features)
        if self.mean.device != x.device:
            self._to(x.device)
        centered = x.to(torch.float64) - self.mean
        scores = centered @ self.components
        if kind == "to":
            return (centered - scores @ self.components.T).norm(dim=1)
        diff = scores - self.score_mean
        return ((diff @ self.score_precision) * diff).sum(dim=1).clamp_min(0.0).sqrt()

    def _result(self, x: torch.Tensor, kind: str, return_probabilities: bool) -> torch.Tensor:
        distances = self._distances(x, kind)
        if return_probabilities:
            if kind not in self._calibration:
                raise ValueError("return_probabilities=True needs calibrate(x_cal) first")
            return self._calibration[kind].cdf(distances)
        return distances.to(x.dtype if x.is_floating_point() else torch.get_default_dtype())

    def calibrate(self, x_cal: torch.Tensor) -> "DIME":
        """Store the distances of calibration rows for probabilities; returns self."""
        self._fitted()
        self._calibration = {
            kind: EmpiricalCalibration(self._distances(x_cal, kind), self.tail, self.tail_fraction)
            for kind in ("to", "within")
        }
        return self

    def distance_to_hyperplane(self, x: torch.Tensor, return_probabilities: bool = False) -> torch.Tensor:
        """(N,) residual distance of each row to the fitted hyperplane, or P(D ≤ d)."""
        return self._result(x, "to", return_probabilities)

    def distance_within_hyperplane(self, x: torch.Tensor, return_probabilities: bool = False) -> torch.Tensor:
        """(N,) Mahalanobis distance of each row's scores within the hyperplane, or P(D ≤ d)."""
        return self._result(x, "within", return_probabilities)
