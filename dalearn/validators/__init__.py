"""Label-free model-selection scores ("validators") as torchmetrics ``Metric``s.

Each validator reads only unlabelled target outputs and, for some, the labelled source
hold-out split, and returns one number where **higher = predicted better**:

- :class:`SourceAccuracy` (``src_acc``): accuracy on the source hold-out.
- :class:`Entropy` (``entropy``): −mean entropy of the target predictions.
- :class:`InformationMaximization` (``ima``): H(mean prediction) − mean entropy.
- :class:`BatchNuclearNorm` (``bnm``): nuclear norm of the target prediction matrix / N.
- :class:`SoftNeighborhoodDensity` (``snd``): soft neighbourhood density of the target.
- :class:`DeepEmbeddedValidation` (``dev``) and :class:`DeepEmbeddedValidationNormalized`
  (``devn``): −(importance-weighted source risk with a control variate).
- :class:`ClassAMI` (``class_ami``): AMI between k-means clusters of the target features and
  the predicted classes.

Each module also holds the functional form, a plain function of whole tensors named like
the module (``from dalearn.validators.entropy import entropy``); they are not re-exported
here, so that ``dalearn.validators.entropy`` stays the module.
:func:`available` finds every validator in the package, :func:`build_validator` builds one
by name and :func:`requires_source_holdout` says which names need a source hold-out.
"""

from dalearn.validators.base import Validator
from dalearn.validators.batch_nuclear_norm import BatchNuclearNorm
from dalearn.validators.class_ami import ClassAMI
from dalearn.validators.deep_embedded_validation import DeepEmbeddedValidation
from dalearn.validators.deep_embedded_validation_normalized import DeepEmbeddedValidationNormalized
from dalearn.validators.entropy import Entropy
from dalearn.validators.information_maximization import InformationMaximization
from dalearn.validators.registry import available, build_validator, requires_source_holdout
from dalearn.validators.soft_neighborhood_density import SoftNeighborhoodDensity
from dalearn.validators.source_accuracy import SourceAccuracy

__all__ = [
    "BatchNuclearNorm",
    "ClassAMI",
    "DeepEmbeddedValidation",
    "DeepEmbeddedValidationNormalized",
    "Entropy",
    "InformationMaximization",
    "SoftNeighborhoodDensity",
    "SourceAccuracy",
    "Validator",
    "available",
    "build_validator",
    "requires_source_holdout",
]
