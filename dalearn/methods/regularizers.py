"""Composable regularisers: a term added to any method's objective, chosen in the config.

A method's config takes ``regularizers``, a mapping from a regulariser's name to its settings
— ``weight`` (λ, default 1.0) and the loss's own arguments::

    method:
      regularizers:
        mcc: {weight: 1.0, temperature: 2.5}
        bsp: {weight: 2.0e-4}

A mapping rather than a list, so that one entry is one override away on the command line:
``+method.regularizers.mcc.weight=1.0`` adds MCC (paper defaults for what is not given),
``method.regularizers.bsp.weight=1e-3`` changes a weight. The method then minimises

.. math::  L = L_{\\text{method}} + \\sum_r \\lambda_r\\, R_r(\\text{outputs}),

and each term is logged as ``train/reg/<name>`` (unweighted). CDAN+MCC, DANN+BSP, MDD+BNM …
need no file of their own.

Each regulariser names the tensors of the iteration it reads (:attr:`Regularizer.requires`):
``logits_t`` (target class logits), ``features_s`` / ``features_t`` (the features the head
sees). A method lists in ``provides`` the ones its ``compute_losses`` returns — computed
anyway, so a regulariser costs no extra forward pass; asking a method for a tensor it does not
provide is refused when the method is built, naming the method, the regulariser and the tensor.

The registry :data:`REGULARIZERS`:

========  ===========================================  =========================  =================
name      loss (:mod:`dalearn.losses`)                  reads                      paper weight
========  ===========================================  =========================  =================
``mcc``   minimum class confusion, T = 2.5              logits_t                   1.0
``bnm``   batch nuclear-norm maximisation               logits_t                   1.0
``bsp``   batch spectral penalization, k = 1            features_s, features_t     2e-4
``afn``   stepwise adaptive feature norm, Δr = 1        features_s, features_t     0.05
``im``    information maximisation (SHOT)               logits_t                   1.0
========  ===========================================  =========================  =================
"""

from __future__ import annotations

import abc
from typing import Any, ClassVar, Iterable, Mapping, Optional

import torch
from torch import nn

from dalearn.losses import (
    AdaptiveFeatureNorm,
    BatchNuclearNormMaximization,
    BatchSpectralPenalizationLoss,
    InformationMaximizationLoss,
    MinimumClassConfusionLoss,
)
from dalearn.methods.weights import loss_weight

#: The label-free scores that measure confident *and* diverse target predictions: the mean
#: negative entropy, information maximisation (its diversity term minus the mean entropy) and the
#: batch nuclear norm, which Cui et al. (2020, §3) bound by the Frobenius norm (confidence) and
#: relate to the rank (diversity) of the prediction matrix. A loss that maximises confidence and
#: diversity — IM (SHOT), BNM — maximises all three by construction.
CONFIDENCE_AND_DIVERSITY_SCORES = frozenset({"entropy", "ima", "bnm"})

#: The tensors a method's ``compute_losses`` may return for regularisers to read.
OUTPUTS = ("logits_s", "logits_t", "features_s", "features_t")


class Regularizer(nn.Module, abc.ABC):
    """A weighted term ``weight · R(outputs)``; subclasses set :attr:`requires` and :meth:`term`."""

    requires: ClassVar[tuple[str, ...]] = ()
    default_weight: ClassVar[float] = 1.0
    #: the label-free selection scores this term maximises (see ``DomainAdaptationModule.trains_on``).
    trains_on: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, weight: Optional[float] = None) -> None:
        super().__init__()
        weight = self.default_weight if weight is None else weight
        self.weight = loss_weight(weight, f"the {type(self).__name__} regulariser's weight")

    @abc.abstractmethod
    def term(self, outputs: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """The unweighted term from the iteration's ``outputs`` (the keys of :attr:`requires`)."""


class MinimumClassConfusion(Regularizer):
    """MCC (Jin et al., 2020) on the target logits; the paper's T = 2.5, weight 1."""

    requires = ("logits_t",)

    def __init__(self, weight: Optional[float] = None, temperature: float = 2.5) -> None:
        super().__init__(weight)
        self.loss = MinimumClassConfusionLoss(temperature)

    def term(self, outputs: Mapping[str, torch.Tensor]) -> torch.Tensor:
        return self.loss(outputs["logits_t"])


class BatchNuclearNorm(Regularizer):
    """BNM (Cui et al., 2020) on the target logits; weight 1 (the paper's Office setting)."""

    requires = ("logits_t",)
    trains_on = CONFIDENCE_AND_DIVERSITY_SCORES

    def __init__(self, weight: Optional[float] = None, normalization: str = "batch") -> None:
        super().__init__(weight)
        self.loss = BatchNuclearNormMaximization(normalization)

    def term(self, outputs: Mapping[str, torch.Tensor]) -> torch.Tensor:
        return self.loss(outputs["logits_t"])


class BatchSpectralPenalty(Regularizer):
    """BSP (Chen et al., 2019) on the source and target features; weight 2e-4, k = 1."""

    requires = ("features_s", "features_t")
    default_weight = 2e-4

    def __init__(self, weight: Optional[float] = None, k: int = 1) -> None:
        super().__init__(weight)
        self.loss = BatchSpectralPenalizationLoss(k)

    def term(self, outputs: Mapping[str, torch.Tensor]) -> torch.Tensor:
        return self.loss(outputs["features_s"], outputs["features_t"])


class FeatureNorm(Regularizer):
    """SAFN (Xu et al., 2019): afn(f_s) + afn(f_t); Δr = 1, weight 0.05."""

    requires = ("features_s", "features_t")
    default_weight = 0.05

    def __init__(self, weight: Optional[float] = None, delta: float = 1.0) -> None:
        super().__init__(weight)
        self.loss = AdaptiveFeatureNorm(delta)

    def term(self, outputs: Mapping[str, torch.Tensor]) -> torch.Tensor:
        return self.loss(outputs["features_s"]) + self.loss(outputs["features_t"])


class InformationMaximization(Regularizer):
    """SHOT's information maximisation on the target logits (entropy − diversity); weight 1."""

    requires = ("logits_t",)
    trains_on = CONFIDENCE_AND_DIVERSITY_SCORES

    def __init__(self, weight: Optional[float] = None, epsilon: float = 1e-5) -> None:
        super().__init__(weight)
        self.loss = InformationMaximizationLoss(epsilon)

    def term(self, outputs: Mapping[str, torch.Tensor]) -> torch.Tensor:
        return self.loss(outputs["logits_t"])


REGULARIZERS: dict[str, type[Regularizer]] = {
    "mcc": MinimumClassConfusion,
    "bnm": BatchNuclearNorm,
    "bsp": BatchSpectralPenalty,
    "afn": FeatureNorm,
    "im": InformationMaximization,
}


def build_regularizers(spec: Optional[Mapping[str, Any]], method: str, provides: Iterable[str]) -> nn.ModuleDict:
    """The regularisers of ``spec`` (name → settings, see the module docstring) for ``method``,
    which returns the tensors ``provides``; refuses an unknown name, a bad setting or an input
    the method does not provide, naming each."""
    regularizers = nn.ModuleDict()
    if spec is None:
        return regularizers
    if not isinstance(spec, Mapping):
        raise TypeError(
            f"method.regularizers must be a mapping name → settings, e.g. {{mcc: {{weight: 1.0}}}}, got {spec!r}"
        )
    provided = set(provides)
    for name, settings in spec.items():
        if name not in REGULARIZERS:
            raise ValueError(f"unknown regulariser {name!r} in method.regularizers; known: {sorted(REGULARIZERS)}")
        settings = dict(settings or {})
        cls = REGULARIZERS[name]
        missing = [key for key in cls.requires if key not in provided]
        if missing:
            raise ValueError(
                f"method {method} cannot take the regulariser {name!r}: it needs {missing} from the iteration, and "
                f"{method} provides {sorted(provided) or 'none'}; remove method.regularizers.{name} or pick a method "
                f"that computes {missing}"
            )
        try:
            regularizers[name] = cls(**settings)
        except TypeError as error:
            raise TypeError(f"method.regularizers.{name}: {error}; settings given: {settings}") from error
    return regularizers
