"""Dataset-level joint maximum mean discrepancy (JAN) as a torchmetrics ``Metric``."""

from __future__ import annotations

from typing import Any, Optional, Sequence

import torch

from dalearn.losses.mmd_estimators import DEFAULT_ESTIMATOR
from dalearn.metrics._paired_rows import PairedRowsMetric
from dalearn.metrics.functional.bandwidth import kernel_ladder
from dalearn.metrics.functional.mmd import (
    DEFAULT_BLOCK_SIZE,
    DEFAULT_MEDIAN_ROWS,
    check_estimator,
    mmd_from_chunks,
    per_layer,
)


class JointMaximumMeanDiscrepancy(PairedRowsMetric):
    r"""JMMD² between joint source and target activations of several layers.

    .. math::
        k(x, y) = \prod_{l=1}^{L} \frac{1}{U_l}\sum_{u} \exp\!\Big(-\frac{\lVert x_l-y_l\rVert^2}{2\sigma_{l,u}^2}\Big)

    Each layer has its own median-heuristic base σ²_{l,0} (or a fixed ``sigma_square[l]``),
    computed on the same pooled rows (a content-hashed subsample of joint rows above
    ``median_rows``), then the estimators of :class:`MaximumMeanDiscrepancy`
    (:mod:`dalearn.metrics.functional.mmd`; names and default shared with the losses,
    :mod:`dalearn.losses.mmd_estimators`). Rows are stored and the value is computed at
    ``compute()`` over all of them, blockwise: accumulated = one-shot, DDP = single process.

    Original API (the ``JointMaximumMeanDiscrepancyLoss`` this replaces): ``update(source_features,
    target_features)`` with one tensor per layer; one Gaussian per layer with a median
    bandwidth by default. Difference: the number of layers is a constructor argument
    (``num_layers``, default 2 as in JAN: features and predictions) because torchmetrics
    declares states before the first update.

    Args:
        num_layers: number L of layers passed to each update.
        num_kernels: kernels per layer (an int for all layers or one per layer).
        kernel_mul: ratio between consecutive σ² of a layer.
        sigma_square: fixed base σ² (None = median; a float for all layers or one per layer).
        estimator: ``'unbiased'`` (default), ``'biased'`` or ``'linear'``. **Default changed**
            from ``'biased'`` (pass it explicitly for the former values, unchanged).
        block_size: as in :class:`MaximumMeanDiscrepancy`.
        median_rows: as in :class:`MaximumMeanDiscrepancy`.

    Shape: ``update([(N_s, F_l)] * L, [(N_t, F_l)] * L)``; ``compute()`` → float64 scalar.

    Example:
        >>> metric = JointMaximumMeanDiscrepancy()
        >>> f_s, f_t = torch.randn(32, 16), torch.randn(32, 16) + 1.0
        >>> p_s, p_t = torch.randn(32, 4).softmax(1), torch.randn(32, 4).softmax(1)
        >>> metric.update([f_s, p_s], [f_t, p_t])
        >>> bool(metric.compute() > 0)
        True
    """

    _update_call = "update(source_features, target_features)"

    def __init__(
        self,
        num_layers: int = 2,
        num_kernels: int | Sequence[int] = 1,
        kernel_mul: float = 2.0,
        sigma_square: Optional[float] | Sequence[Optional[float]] = None,
        estimator: str = DEFAULT_ESTIMATOR,
        block_size: int = DEFAULT_BLOCK_SIZE,
        median_rows: int = DEFAULT_MEDIAN_ROWS,
        **kwargs: Any,
    ) -> None:
        super().__init__(num_layers=num_layers, **kwargs)
        self.num_layers = int(num_layers)
        self.num_kernels = [int(k) for k in per_layer(num_kernels, self.num_layers, "num_kernels")]
        self.sigma_square = per_layer(sigma_square, self.num_layers, "sigma_square")
        for k, s in zip(self.num_kernels, self.sigma_square):
            kernel_ladder(1.0 if s is None else s, k, kernel_mul)
        if block_size < 1 or median_rows < 2:
            raise ValueError(f"block_size must be ≥ 1 and median_rows ≥ 2, got {block_size} and {median_rows}")
        self.kernel_mul = float(kernel_mul)
        self.estimator = check_estimator(estimator)
        self.block_size = int(block_size)
        self.median_rows = int(median_rows)

    def update(self, source_features: Sequence[torch.Tensor], target_features: Sequence[torch.Tensor]) -> None:
        """Store one batch per domain: a sequence of ``num_layers`` (N, F_l) tensors each."""
        for name, features in (("source_features", source_features), ("target_features", target_features)):
            if isinstance(features, torch.Tensor) or len(features) != self.num_layers:
                got = "a single tensor" if isinstance(features, torch.Tensor) else f"{len(features)} layers"
                raise ValueError(f"{name} must be a sequence of num_layers={self.num_layers} tensors, got {got}")
        self._store(source_features, target_features)

    def compute(self) -> torch.Tensor:
        source, target = self._stored_layers()
        return mmd_from_chunks(
            source,
            target,
            self.num_kernels,
            self.kernel_mul,
            self.sigma_square,
            self.estimator,
            self.block_size,
            self.median_rows,
        )
