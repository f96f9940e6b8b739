"""Drifted-image generation: batched per-image drift transforms and a dataset producer.

``dalearn.drift.transforms`` (torch only) holds the transforms, shared with the offline "drift"
datasets; the generator and its I/O are imported lazily so that importing the transforms
does not pull in pyarrow, PIL or the embedding backbones.
"""

from dalearn.drift.transforms import ImageTransform, TransformInfo, apply_drift

__all__ = [
    "DriftedImageFolder",
    "GeneratedSet",
    "ImageDatasetGenerator",
    "ImageTransform",
    "TransformInfo",
    "apply_drift",
]


def __getattr__(name: str):
    """Import the generator (pyarrow, PIL, backbones) only when it is asked for."""
    if name in ("ImageDatasetGenerator", "GeneratedSet"):
        from dalearn.drift import generator

        return getattr(generator, name)
    if name == "DriftedImageFolder":
        from dalearn.drift.dataset import DriftedImageFolder

        return DriftedImageFolder
    raise AttributeError(f"module 'dalearn.drift' has no attribute {name!r}")
