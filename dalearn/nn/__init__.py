"""Building blocks of domain adaptation models (torch only)."""

from dalearn.nn.backbones import build_backbone
from dalearn.nn.discriminator import DomainDiscriminator
from dalearn.nn.grl import (
    GradientReverseLayer,
    WarmStartGradientReverseLayer,
    reverse_gradient,
    warm_start_coefficient,
)
from dalearn.nn.heads import (
    ImageClassifier,
    MCDClassifier,
    MCDClassifierHead,
    MDDClassifier,
    afn_bottleneck,
    bottleneck,
    mdd_head,
    weight_normalized_linear,
)
from dalearn.nn.kernels import GaussianKernel, squared_euclidean_distances
from dalearn.nn.maps import MultiLinearMap, RandomizedMultiLinearMap

__all__ = [
    "DomainDiscriminator",
    "GaussianKernel",
    "GradientReverseLayer",
    "ImageClassifier",
    "MCDClassifier",
    "MCDClassifierHead",
    "MDDClassifier",
    "MultiLinearMap",
    "RandomizedMultiLinearMap",
    "WarmStartGradientReverseLayer",
    "afn_bottleneck",
    "bottleneck",
    "build_backbone",
    "mdd_head",
    "reverse_gradient",
    "squared_euclidean_distances",
    "warm_start_coefficient",
    "weight_normalized_linear",
]
