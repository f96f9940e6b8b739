"""The decoded-image cache for your own images (``data=custom``): an ImageFolder tree or an
image list is decoded once into the memory-mapped store the benchmarks use
(:mod:`dalearn.data.cache`), so an epoch reads uint8 pixels instead of decoding every file.

- An image list is cached as it is (its content, the images' sizes and times and the decode
  settings key the cache: a change rebuilds it).
- An ImageFolder tree is first written as an image list — ``relative/path label`` a line, in
  the tree's order — into the cache folder, then cached the same way; a changed tree gives a
  changed list, hence a new cache.
- The stored side is what the transforms need first: small images (both sides ≤ 64 pixels,
  ``train_transform: auto`` → ``small``) keep their side; photos are stored as the recipes'
  256 × 256 square. The transforms resize from there, so a cache never changes what a
  transform is asked to do, only where its input comes from.
- ``cache: auto`` puts the caches in ``<folder>/.dalearn-cache`` (hidden: an ImageFolder
  ignores it); a folder that cannot be written there is reported and the images are decoded
  every epoch instead — ``data.cache=/a/writable/folder`` moves it, ``data.cache=null``
  turns it off.

Other datasets (offline tensors, ``dalearn-drift`` folders) are returned unchanged.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Optional

from torch.utils.data import Dataset

from dalearn.data.auto_transforms import SMALL_MAX_SIDE, first_image_size
from dalearn.data.cache import cache_image_list, resolve_cache_dir
from dalearn.data.cache.build import claim_cache_dir
from dalearn.data.image_folder import ImageFolder
from dalearn.data.image_list import ImageList
from dalearn.io import atomic_write_text

log = logging.getLogger("dalearn")

#: the recipes' square resize: what a photo is stored as.
PHOTO_SIDE = 256


def cache_side(dataset: Dataset) -> int:
    """The side to store: a small image's own side, else :data:`PHOTO_SIDE`."""
    size = first_image_size([dataset])
    if size is None:
        raise ValueError(f"{dataset!r} holds no image to cache")
    return max(size) if max(size) <= SMALL_MAX_SIDE else PHOTO_SIDE


def folder_as_list(folder: ImageFolder, cache_dir: Path) -> ImageList:
    """The tree ``folder`` as an :class:`ImageList` whose list file lives in ``cache_dir``."""
    root = Path(folder.root).resolve()
    lines = "".join(
        f"{Path(path).resolve().relative_to(root).as_posix()} {label}\n"
        for path, label in zip(folder.paths, folder.labels)
    )
    list_file = cache_dir / f"{root.name or 'images'}.images.txt"
    if not list_file.is_file() or list_file.read_text(encoding="utf-8") != lines:
        atomic_write_text(list_file, lines)
    return ImageList(root, list_file, folder.classes)


def maybe_cached(dataset: Optional[Dataset], cache: Any, side: Optional[int] = None) -> Optional[Dataset]:
    """``dataset`` served from a decoded-image cache when ``cache`` asks for one and the
    dataset is an ImageFolder or an ImageList; otherwise ``dataset`` itself."""
    if dataset is None or not isinstance(dataset, (ImageFolder, ImageList)) or not len(dataset):
        return dataset
    cache_dir = resolve_cache_dir(cache, dataset.root)
    if cache_dir is None:
        return dataset
    side = int(side) if side else cache_side(dataset)
    try:
        cache_dir.parent.mkdir(parents=True, exist_ok=True)
        claim_cache_dir(cache_dir)  # dalearn's marker first: the list file below is then dalearn's own
        images = folder_as_list(dataset, cache_dir) if isinstance(dataset, ImageFolder) else dataset
        cached = cache_image_list(images, cache_dir, side=side)
        cached.samples = images.samples  # which file each item is, as the ImageList it replaces says
        return cached
    except PermissionError as error:
        log.warning(
            "image cache: cannot write %s (%s); decoding %s every epoch instead — set data.cache to a writable "
            "folder, or data.cache=null to silence this",
            cache_dir,
            error.strerror or error,
            dataset.root,
        )
        return dataset
