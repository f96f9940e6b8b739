"""The methods as LightningModules on one shared base (:mod:`dalearn.methods.base`), and the
regularisers any of them can add to its objective (:mod:`dalearn.methods.regularizers`)."""

from dalearn._extras import require

require("train", "lightning", "torchvision", by="dalearn.methods")  # the extra's pip line if missing

from dalearn.methods.afn import AFN
from dalearn.methods.base import DomainAdaptationModule
from dalearn.methods.bnm import BNM
from dalearn.methods.cdan import CDAN
from dalearn.methods.dan import DAN
from dalearn.methods.dann import DANN
from dalearn.methods.jan import JAN
from dalearn.methods.mcc import MCC
from dalearn.methods.mcd import MCD
from dalearn.methods.mdd import MDD
from dalearn.methods.self_training import SelfTraining
from dalearn.methods.shot import SHOT
from dalearn.methods.source_only import SourceOnly

__all__ = [
    "AFN",
    "BNM",
    "CDAN",
    "DAN",
    "DANN",
    "JAN",
    "MCC",
    "MCD",
    "MDD",
    "SHOT",
    "DomainAdaptationModule",
    "SelfTraining",
    "SourceOnly",
]
