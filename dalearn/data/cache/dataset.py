"""The images of one list, served from its decoded-image cache as uint8 tensors."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional, Sequence

import numpy as np
import torch
from torch.utils.data import Dataset

from dalearn.data.cache.build import CacheEntry, open_or_build, resolve_cache_dir
from dalearn.data.cache.key import DecodeSettings
from dalearn.data.cache.store import open_pixels


class CachedImageList(Dataset):
    """``(uint8 tensor (3, side, side), label)`` per image of a cache file.

    The pixels stay in a read-only memory map (the page cache holds them once for every process
    of the machine: DataLoader workers, DDP ranks, runs of a sweep); an item is copied out of it.
    The map is reopened after pickling, so spawned workers do not receive a copy of the data.
    The recipe transforms (:class:`dalearn.data.transforms.RecipeTransform`, ``train_transform`` in
    the configs) take these tensors.
    """

    def __init__(self, entry: CacheEntry, classes: Sequence[str]) -> None:
        self.entry = entry
        self.path = str(entry.path)
        self.classes = list(classes)
        self.labels = list(entry.header["labels"])
        self.list_file = entry.header["list_file"]
        self._pixels: Optional[np.memmap] = None

    @property
    def targets(self) -> list[int]:
        """The label of every sample, in list order."""
        return list(self.labels)

    @property
    def side(self) -> int:
        return int(self.entry.header["shape"][0])

    def pixels(self) -> np.memmap:
        """All images as a read-only (N, side, side, 3) uint8 memory map."""
        if self._pixels is None:
            self._pixels = open_pixels(self.path, self.entry.header)
        return self._pixels

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        image = torch.from_numpy(np.array(self.pixels()[index])).permute(2, 0, 1)
        return image, self.labels[index]

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_pixels": None}

    def __repr__(self) -> str:
        return f"CachedImageList({self.list_file!r}, {len(self)} images of {self.side}×{self.side}, cache {self.path})"


def cache_image_list(
    dataset: Any,
    cache: Any = True,
    side: int = 256,
    workers: Optional[int] = None,
    interpolation: str = "bilinear",
) -> CachedImageList:
    """The cached version of an :class:`~dalearn.data.image_list.ImageList` (built if needed).

    ``cache`` is ``data.cache``: True / ``"auto"`` for ``<root>/.dalearn-cache``, or a folder.
    The images are stored decoded as ``dataset`` decodes them (its ``decode_size``) and resized
    to ``side`` × ``side``.
    """
    cache_dir = resolve_cache_dir(cache, dataset.root)
    if cache_dir is None:
        raise ValueError(f"cache={cache!r} names no cache folder; pass True, 'auto' or a directory")
    settings = DecodeSettings(side=int(side), decode_size=dataset.decode_size, interpolation=interpolation)
    entry = open_or_build(dataset.list_file, dataset.root, dataset.samples, settings, cache_dir, workers=workers)
    return CachedImageList(entry, dataset.classes)


def cached_path(dataset: Any) -> Optional[Path]:
    """The cache file behind ``dataset`` (looking through views), or None if it is not cached."""
    while dataset is not None:
        if isinstance(dataset, CachedImageList):
            return Path(dataset.path)
        dataset = getattr(dataset, "dataset", None)
    return None
