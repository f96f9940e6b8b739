"""The seven methods as LightningModules on one shared base (:mod:`dalearn.methods.base`)."""

from dalearn.methods.base import DomainAdaptationModule
from dalearn.methods.cdan import CDAN
from dalearn.methods.dan import DAN
from dalearn.methods.dann import DANN
from dalearn.methods.jan import JAN
from dalearn.methods.mcd import MCD
from dalearn.methods.mdd import MDD
from dalearn.methods.source_only import SourceOnly

__all__ = ["CDAN", "DAN", "DANN", "JAN", "MCD", "MDD", "DomainAdaptationModule", "SourceOnly"]
