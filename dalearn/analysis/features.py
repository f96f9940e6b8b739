"""The classifier's features and logits on a domain, in batches, with progress.

The features are what the alignment losses act on: the bottleneck output of the classifier
(the backbone output for a method without a bottleneck, such as MCD). Large domains are
subsampled with a fixed seed before the forward passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from dalearn.io import progress


@dataclass
class DomainFeatures:
    """Rows of one domain: ``features`` (N, F), ``logits`` (N, C), ``labels`` (N,), and
    ``index`` — the position of each row in the dataset."""

    features: np.ndarray
    logits: np.ndarray
    labels: np.ndarray
    index: np.ndarray

    def take(self, rows: np.ndarray) -> "DomainFeatures":
        return DomainFeatures(self.features[rows], self.logits[rows], self.labels[rows], self.index[rows])


def subsample(n: int, limit: Optional[int], seed: int) -> np.ndarray:
    """Sorted positions of at most ``limit`` of ``n`` rows, drawn with ``seed`` (all when fewer)."""
    if limit is None or n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=int(limit), replace=False))


def features_and_logits(model: Any, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(features, logits)`` of a dalearn method for a batch ``x``."""
    classifier = model.classifier
    features = classifier.backbone(x)
    bottleneck = getattr(classifier, "bottleneck", None)
    if bottleneck is not None:
        features = bottleneck(features)
    return features.flatten(1), model(x)


class _Rows(Dataset):
    def __init__(self, dataset: Dataset, index: np.ndarray) -> None:
        self.dataset, self.index = dataset, index

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, i: int):
        image, label = self.dataset[int(self.index[i])]
        return image, int(label)


@torch.no_grad()
def extract(
    model: Any, dataset: Dataset, index: np.ndarray, description: str, batch_size: int = 512, device: str = "cpu"
) -> DomainFeatures:
    """Features, logits and labels of the rows ``index`` of ``dataset`` (images already transformed)."""
    model.eval().to(device)
    loader = DataLoader(_Rows(dataset, index), batch_size=batch_size, shuffle=False)
    features, logits, labels = [], [], []
    for x, y in progress(loader, description, total=len(loader), unit="batches"):
        f, z = features_and_logits(model, x.to(device))
        features.append(f.float().cpu().numpy())
        logits.append(z.float().cpu().numpy())
        labels.append(np.asarray(y, dtype=np.int64))
    return DomainFeatures(np.concatenate(features), np.concatenate(logits), np.concatenate(labels), np.asarray(index))
