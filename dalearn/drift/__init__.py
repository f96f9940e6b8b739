"""Drifted-image generation: batched per-image drift transforms and a dataset producer.

``dalearn.drift.transforms`` (torch only) holds the transforms, shared with the offline "drift"
datasets; the generator and its I/O are imported lazily so that importing the transforms
does not pull in pyarrow, PIL or the embedding backbones.
"""

from dalearn.drift.transforms import ImageTransform, TransformInfo, apply_drift

__all__ = ["ImageTransform", "TransformInfo", "apply_drift"]
