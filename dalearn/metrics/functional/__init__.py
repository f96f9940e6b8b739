"""Functional forms of the metrics: the math, without state."""

from dalearn.metrics.functional.domain_gap import domain_gap, fid, klmvn_diag, mmd_linear, wasserstein_1d
from dalearn.metrics.functional.mmd import joint_maximum_mean_discrepancy, maximum_mean_discrepancy
from dalearn.metrics.functional.proxy_a_distance import proxy_a_distance

__all__ = [
    "domain_gap",
    "fid",
    "joint_maximum_mean_discrepancy",
    "klmvn_diag",
    "maximum_mean_discrepancy",
    "mmd_linear",
    "proxy_a_distance",
    "wasserstein_1d",
]
