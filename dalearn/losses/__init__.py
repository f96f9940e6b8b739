"""Differentiable domain adaptation losses — pure torch, importable into any training loop.

Constructor arguments and forward signatures follow the DALIB (Transfer-Learning-Library)
API, so ``from dalib.adaptation.dann import DomainAdversarialLoss`` ports as
``from dalearn.losses import DomainAdversarialLoss``. Where the reference math is wrong the
default here is correct and the reference value is reachable by an argument
(``estimator='reference'`` for the MMD constants).
"""

from dalearn.losses.cdan import ConditionalDomainAdversarialLoss, prediction_entropy
from dalearn.losses.dann import DomainAdversarialLoss
from dalearn.losses.jmmd import JointMultipleKernelMaximumMeanDiscrepancy, Theta
from dalearn.losses.mcd import classifier_discrepancy, entropy
from dalearn.losses.mdd import MarginDisparityDiscrepancy, shift_log
from dalearn.losses.mmd import MultipleKernelMaximumMeanDiscrepancy, default_kernels

__all__ = [
    "ConditionalDomainAdversarialLoss",
    "DomainAdversarialLoss",
    "JointMultipleKernelMaximumMeanDiscrepancy",
    "MarginDisparityDiscrepancy",
    "MultipleKernelMaximumMeanDiscrepancy",
    "Theta",
    "classifier_discrepancy",
    "default_kernels",
    "entropy",
    "prediction_entropy",
    "shift_log",
]
