"""Domain-gap numbers of two feature sets: the proxy A-distance (a held-out linear domain
classifier, :func:`dalearn.metrics.proxy_a_distance`) and the distances between the
domains' summaries (:class:`dalearn.metrics.DomainGap`: KL of diagonal Gaussians, linear MMD,
FID)."""

from __future__ import annotations

import numpy as np
import torch

from dalearn.metrics import DomainGap, domain_gap, proxy_a_distance


def feature_gap(source: np.ndarray, target: np.ndarray, seed: int = 0) -> dict[str, float]:
    """``proxy_a_distance``, ``klmvn_diag`` (KL(source ‖ target)), ``mmd_linear`` and ``fid``."""
    s = torch.from_numpy(np.asarray(source, dtype=np.float64))
    t = torch.from_numpy(np.asarray(target, dtype=np.float64))
    out = {"proxy_a_distance": float(proxy_a_distance(s, t, seed=seed))}
    summaries = []
    for rows in (s, t):
        metric = DomainGap(fid=True)
        metric.update(rows)
        summaries.append(metric.compute())
    out.update({name: float(value) for name, value in domain_gap(*summaries).items()})
    return out
