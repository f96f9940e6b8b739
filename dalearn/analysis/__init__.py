"""Look inside a trained run (``dalearn-analyze RUN_DIR``): the features of the selected
checkpoint on the source and the target, and what they show — a t-SNE embedding by domain and
by class, the proxy A-distance and the domain-gap distances, per-class accuracy and the
confusion matrix on the labelled target test split, a reliability diagram with the expected
calibration error, and the selection history. :func:`analyze` writes them to ``analysis/``
as PNGs, CSVs, ``summary.json``, ``features.npz`` and an ``index.html`` that shows them.
"""

from dalearn._extras import require

require(
    "analysis", "matplotlib", "sklearn", "lightning", "omegaconf", by="dalearn.analysis"
)  # the extra's pip line if missing

from dalearn.analysis.calibration import expected_calibration_error, reliability_bins
from dalearn.analysis.classification import confusion, per_class_accuracy
from dalearn.analysis.pipeline import analyze

__all__ = ["analyze", "confusion", "expected_calibration_error", "per_class_accuracy", "reliability_bins"]
