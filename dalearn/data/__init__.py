"""Data: the paired-domain DataModule, samplers, views and the offline datasets."""

from dalearn.data.datamodule import DomainAdaptationDataModule
from dalearn.data.samplers import InfiniteBatchSampler, ShardSampler
from dalearn.data.tensor_dataset import TensorImageDataset

__all__ = ["DomainAdaptationDataModule", "InfiniteBatchSampler", "ShardSampler", "TensorImageDataset"]
