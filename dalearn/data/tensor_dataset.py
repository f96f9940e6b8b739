"""In-memory image datasets (the offline domains)."""

from __future__ import annotations

from typing import Sequence

import torch
from torch.utils.data import Dataset


class TensorImageDataset(Dataset):
    """Images (N, C, H, W) float in [0, 1] with integer labels (N,) and class names."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, classes: Sequence[str], name: str = "") -> None:
        if images.dim() != 4:
            raise ValueError(f"images must be (N, C, H, W), got {tuple(images.shape)}")
        if labels.shape != (images.size(0),):
            raise ValueError(f"labels must be ({images.size(0)},), got {tuple(labels.shape)}")
        self.images = images
        self.labels = labels.long()
        self.classes = list(classes)
        self.name = name

    def __len__(self) -> int:
        return self.images.size(0)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        return self.images[index], int(self.labels[index])

    def __repr__(self) -> str:
        return f"TensorImageDataset({self.name!r}, n={len(self)}, shape={tuple(self.images.shape[1:])})"
