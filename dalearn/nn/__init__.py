"""Building blocks of domain adaptation models (torch only)."""

from dalearn.nn.backbones import build_backbone
from dalearn.nn.discriminator import DomainDiscriminator
from dalearn.nn.grl import (
    GradientReverseLayer,
    WarmStartGradientReverseLayer,
    reverse_gradient,
    warm_start_coefficient,
)
from dalearn.nn.heads import ImageClassifier, MCDClassifierHead, MDDClassifier, bottleneck, mdd_head
from dalearn.nn.kernels import GaussianKernel, squared_euclidean_distances
from dalearn.nn.maps import MultiLinearMap, RandomizedMultiLinearMap

__all__ = [
    "DomainDiscriminator",
    "GaussianKernel",
    "GradientReverseLayer",
    "ImageClassifier",
    "MCDClassifierHead",
    "MDDClassifier",
    "MultiLinearMap",
    "RandomizedMultiLinearMap",
    "WarmStartGradientReverseLayer",
    "bottleneck",
    "build_backbone",
    "mdd_head",
    "reverse_gradient",
    "squared_euclidean_distances",
    "warm_start_coefficient",
]
