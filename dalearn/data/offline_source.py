"""The clean domains of dalearn's offline datasets as a source of the drift generator
(:class:`dalearn.drift.ImageDatasetGenerator`, its ``source=``): scikit-learn digits and
Fashion-MNIST, whose clean domains are gray images repeated to three channels, loaded here as
one channel with the interface of :mod:`dalearn.drift.sources` (``classes``, ``labels``,
``names``, ``load``, ``describe``)."""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import torch

from dalearn.data import offline

OFFLINE_DATASETS = ("digits", "fashion_mnist")


class OfflineSource:
    """A clean domain of dalearn's offline datasets (``digits`` or ``fashion_mnist``), one channel.

    ``split`` is ``train`` or ``test``; ``limit`` keeps the first N images (Fashion-MNIST);
    ``root``/``download`` are passed to the Fashion-MNIST loader.
    """

    def __init__(
        self,
        name: str,
        split: str = "test",
        limit: Optional[int] = None,
        root: Optional[str] = None,
        download: bool = False,
        size: int = 28,
    ) -> None:
        if limit is not None and limit < 1:
            raise ValueError(f"limit must be a positive number of images or None, got {limit}")
        if name == "digits":
            dataset = offline.digits(split=split, variant="clean", size=size)
        elif name == "fashion_mnist":
            dataset = offline.fashion_mnist(split=split, variant="clean", root=root, download=download)
        else:
            raise ValueError(f"unknown offline dataset {name!r}; choose one of {OFFLINE_DATASETS}")
        self.name = f"{name}/{split}"
        self.images = dataset.images[:limit, :1]
        self.labels = dataset.labels[:limit].numpy().astype(np.int64)
        self.classes = list(dataset.classes)
        self.names = [f"{self.name}/{i}" for i in range(len(self.labels))]

    def __len__(self) -> int:
        return len(self.labels)

    def load(self, indices: Sequence[int]) -> torch.Tensor:
        return self.images[torch.as_tensor(np.asarray(indices, dtype=np.int64))]

    def describe(self) -> str:
        return f"offline {self.name} ({len(self)} images, {len(self.classes)} classes)"
