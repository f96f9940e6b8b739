"""Domain-discrepancy metrics as torchmetrics ``Metric``s (no Lightning import).

- :class:`MaximumMeanDiscrepancy`, :class:`JointMaximumMeanDiscrepancy`: dataset-level (J)MMD²,
  exact and blockwise at ``compute()``, equal to the one-shot value on all rows, DDP-safe.
- :class:`DomainAdversarialAccuracy`: BCE loss and domain accuracy of a discriminator.
- :class:`DomainGap` / :class:`DomainGapSummary`: per-dataset float64 summaries that merge,
  sync and save; :func:`domain_gap` computes ``klmvn_diag``, ``mmd_linear``, ``fid`` and
  ``wasserstein_1d`` between two of them.
- :class:`ProxyADistance`: 2(1 − 2ε) from a held-out linear domain classifier.
- :class:`MeanClassAccuracy`: the mean per-class accuracy over the classes the labels have.
"""

from dalearn.metrics.a_distance import ProxyADistance
from dalearn.metrics.class_accuracy import MeanClassAccuracy
from dalearn.metrics.domain_adversarial import DomainAdversarialAccuracy
from dalearn.metrics.domain_gap_summary import DomainGapSummary
from dalearn.metrics.functional import (
    domain_gap,
    fid,
    joint_maximum_mean_discrepancy,
    klmvn_diag,
    maximum_mean_discrepancy,
    mmd_linear,
    proxy_a_distance,
    wasserstein_1d,
)
from dalearn.metrics.gap import DomainGap
from dalearn.metrics.jmmd import JointMaximumMeanDiscrepancy
from dalearn.metrics.mmd import MaximumMeanDiscrepancy

__all__ = [
    "DomainAdversarialAccuracy",
    "DomainGap",
    "DomainGapSummary",
    "JointMaximumMeanDiscrepancy",
    "MaximumMeanDiscrepancy",
    "MeanClassAccuracy",
    "ProxyADistance",
    "domain_gap",
    "fid",
    "joint_maximum_mean_discrepancy",
    "klmvn_diag",
    "maximum_mean_discrepancy",
    "mmd_linear",
    "proxy_a_distance",
    "wasserstein_1d",
]
