"""Data: the paired-domain DataModule, samplers, views, the offline datasets, the benchmark
datasets (image lists, download, verification, decoded-image caches) and the recipe transforms.

Names are imported lazily, so ``import dalearn.data`` (and the ``dalearn-data`` command)
does not pay for Lightning unless the DataModule is used.
"""

from __future__ import annotations

import importlib
from typing import Any

from dalearn._extras import require

require("train", "torchvision", "PIL", "sklearn", by="dalearn.data")  # the extra's pip line if missing

_EXPORTS = {
    "DomainAdaptationDataModule": "dalearn.data.datamodule",
    "InfiniteBatchSampler": "dalearn.data.samplers",
    "ShardSampler": "dalearn.data.samplers",
    "TensorImageDataset": "dalearn.data.tensor_dataset",
    "TransformedView": "dalearn.data.views",
    "ImageList": "dalearn.data.image_list",
    "read_image_list": "dalearn.data.image_list",
    "BENCHMARKS": "dalearn.data.benchmarks",
    "get_benchmark": "dalearn.data.benchmarks",
    "benchmark_domain": "dalearn.data.benchmarks",
    "parse_task": "dalearn.data.benchmarks",
    "DatasetNotReadyError": "dalearn.data.benchmarks",
    "CachedImageList": "dalearn.data.cache",
    "cache_image_list": "dalearn.data.cache",
    "BatchAugment": "dalearn.data.batch_augment",
    "SquareResizeCrop": "dalearn.data.transforms",
    "ToNormalizedTensor": "dalearn.data.transforms",
    "train_transform": "dalearn.data.transforms",
    "eval_transform": "dalearn.data.transforms",
    "download_dataset": "dalearn.data.download",
    "DownloadError": "dalearn.data.download",
    "verify_dataset": "dalearn.data.verify",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'dalearn.data' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
