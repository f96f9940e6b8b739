"""Decoded-image caches: every image of a list decoded once, at the size the recipe needs.

The recipes decode a JPEG, square-resize it to 256 × 256 and only then crop and flip it. The
cache stores that 256 × 256 × 3 uint8 square of every image of a list in one memory-mapped file
per list (:mod:`.store`), keyed by the list's content, the images' sizes and times and the decode
settings (:mod:`.key`), built once — atomically, under a lock, with a progress bar (:mod:`.build`)
— and served as uint8 tensors (:mod:`.dataset`). The augmentation then runs on those tensors
(:mod:`dalearn.data.transforms`, batched on the GPU by :mod:`dalearn.data.batch_augment`).

``data.cache=auto`` (or a folder) in a recipe turns it on; ``dalearn-data cache <dataset>``
builds the caches ahead of a sweep.
"""

from dalearn.data.cache.build import DEFAULT_FOLDER, CacheEntry, cache_path, open_or_build, resolve_cache_dir
from dalearn.data.cache.dataset import CachedImageList, cache_image_list, cached_path
from dalearn.data.cache.key import FORMAT_VERSION, DecodeSettings, cache_key
from dalearn.data.cache.store import CacheDiskFullError, CacheError, ForeignCacheError, TruncatedCacheError

__all__ = [
    "DEFAULT_FOLDER",
    "FORMAT_VERSION",
    "CacheDiskFullError",
    "CacheEntry",
    "CacheError",
    "CachedImageList",
    "DecodeSettings",
    "ForeignCacheError",
    "TruncatedCacheError",
    "cache_image_list",
    "cache_key",
    "cache_path",
    "cached_path",
    "open_or_build",
    "resolve_cache_dir",
]
