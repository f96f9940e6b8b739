"""Differentiable domain adaptation losses — pure torch, importable into any training loop.

Constructor arguments and forward signatures follow the DALIB / TLlib
(Transfer-Learning-Library) API, so ``from dalib.adaptation.dann import DomainAdversarialLoss``
ports as ``from dalearn.losses import DomainAdversarialLoss`` (likewise TLlib's
``MinimumClassConfusionLoss``, ``BatchSpectralPenalizationLoss``, ``AdaptiveFeatureNorm`` and
``ConfidenceBasedSelfTrainingLoss``). Where the reference math is wrong the
default here is correct and the reference value is reachable by an argument
(``estimator='reference'`` for the MMD constants).
"""

from dalearn.losses.afn import AdaptiveFeatureNorm
from dalearn.losses.bnm import BatchNuclearNormMaximization
from dalearn.losses.bsp import BatchSpectralPenalizationLoss
from dalearn.losses.cdan import ConditionalDomainAdversarialLoss, prediction_entropy
from dalearn.losses.dann import DomainAdversarialLoss
from dalearn.losses.information_maximization import InformationMaximizationLoss, mean_prediction_entropy
from dalearn.losses.jmmd import JointMultipleKernelMaximumMeanDiscrepancy, Theta
from dalearn.losses.mcc import MinimumClassConfusionLoss
from dalearn.losses.mcd import classifier_discrepancy, entropy
from dalearn.losses.mdd import MarginDisparityDiscrepancy, shift_log
from dalearn.losses.mmd import MultipleKernelMaximumMeanDiscrepancy, default_kernels
from dalearn.losses.self_training import ClassBalancedSelfTrainingLoss, ConfidenceBasedSelfTrainingLoss

__all__ = [
    "AdaptiveFeatureNorm",
    "BatchNuclearNormMaximization",
    "BatchSpectralPenalizationLoss",
    "ClassBalancedSelfTrainingLoss",
    "ConditionalDomainAdversarialLoss",
    "ConfidenceBasedSelfTrainingLoss",
    "DomainAdversarialLoss",
    "InformationMaximizationLoss",
    "JointMultipleKernelMaximumMeanDiscrepancy",
    "MarginDisparityDiscrepancy",
    "MinimumClassConfusionLoss",
    "MultipleKernelMaximumMeanDiscrepancy",
    "Theta",
    "classifier_discrepancy",
    "default_kernels",
    "mean_prediction_entropy",
    "entropy",
    "prediction_entropy",
    "shift_log",
]
