"""Proxy A-distance as a torchmetrics ``Metric``."""

from __future__ import annotations

from typing import Any

import torch

from dalearn.metrics._paired_rows import PairedRowsMetric
from dalearn.metrics._rows import common_dtype
from dalearn.metrics.functional.proxy_a_distance import proxy_a_distance


class ProxyADistance(PairedRowsMetric):
    r"""Proxy A-distance d_A = 2(1 − 2ε) between all source and all target rows, with ε the
    balanced held-out error of a linear (logistic-regression) domain classifier.

    The rows are stored (``dist_reduce_fx="cat"``; :mod:`dalearn.metrics._paired_rows`);
    ``compute()`` splits each domain into a training and a held-out part (``test_fraction``,
    a content-hash order seeded by ``seed``: the same split whatever the update order or the
    number of processes), fits the classifier (``C``, ``max_iter``, ``tol``) on standardised
    features and measures ε on the held-out rows. Details: :mod:`dalearn.metrics.functional.proxy_a_distance`.

    Values: ≈ 0 for indistinguishable domains, 2 for linearly separable ones.

    Args:
        test_fraction: share of each domain held out (0 < f < 1, default 0.5).
        C: inverse L2 regularisation strength of the classifier (default 1.0).
        max_iter: L-BFGS iterations (default 500).
        tol: L-BFGS gradient tolerance (default 1e-9).
        seed: selects the split (default 0).

    Example:
        >>> metric = ProxyADistance()
        >>> metric.update(torch.randn(200, 4), torch.randn(200, 4) + 5.0)
        >>> float(metric.compute())
        2.0
    """

    def __init__(
        self,
        test_fraction: float = 0.5,
        C: float = 1.0,
        max_iter: int = 500,
        tol: float = 1e-9,
        seed: int = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not 0.0 < test_fraction < 1.0:
            raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
        if not C > 0 or max_iter < 1 or not tol > 0:
            raise ValueError(f"C and tol must be positive and max_iter ≥ 1, got C={C}, max_iter={max_iter}, tol={tol}")
        self.test_fraction = float(test_fraction)
        self.C = float(C)
        self.max_iter = int(max_iter)
        self.tol = float(tol)
        self.seed = int(seed)

    def update(self, source: torch.Tensor, target: torch.Tensor) -> None:
        """Store a batch of source rows and a batch of target rows (same F)."""
        self._store([source], [target])

    def compute(self) -> torch.Tensor:
        (source,), (target,) = self._stored_layers()
        dtype = common_dtype(source + target)
        return proxy_a_distance(
            torch.cat([c.to(dtype) for c in source]),
            torch.cat([c.to(dtype) for c in target]),
            self.test_fraction,
            self.C,
            self.max_iter,
            self.tol,
            self.seed,
        )
