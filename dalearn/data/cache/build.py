"""Build a decoded-image cache once, safely, and find it again.

:func:`open_or_build` is the one entry point. Without a lock it first looks for a valid cache
(the common case: every later run, every DDP rank, every run of a sweep). Otherwise it takes an
exclusive ``fcntl.flock`` on ``<cache>.lock`` — a second builder (another rank, another run of
the sweep) waits there, then finds the cache the first one published and does not build again.
The holder of the lock

1. looks again (someone may have finished meanwhile);
2. removes temporaries that killed builders left in the folder
   (:func:`dalearn.io.remove_stale_temporaries`: only those whose process is gone);
3. checks the free space and reserves the whole file (``posix_fallocate``), so a full disk
   fails at once with :class:`CacheDiskFullError` naming the path, the bytes needed and how to
   put the cache elsewhere, not after an hour of decoding;
4. decodes every image (threads: Pillow releases the GIL), writes it to a temporary file and
   renames that over the cache path only when it is complete and synced
   (:func:`dalearn.io.atomic_path`). A reader therefore never sees a half-written cache.

A cache whose header holds another key (the list, an image or a setting changed) is rebuilt,
with a log line saying so; so is one cut short after it was published. A file that is not a
dalearn cache is never overwritten (:class:`ForeignCacheError`), and dalearn builds only in a
cache folder it made (:func:`dalearn.io.ownership.claim`: a new or empty folder, one with its
``.dalearn-owner.json`` marker, or one holding nothing but cache files of an earlier version);
a ``data.cache`` folder with other files in it is refused before any work.

``flock`` works between the processes of one machine and on most network file systems (NFSv4);
on a file system without it, build the caches first with ``dalearn-data cache``.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import logging
import os
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

import numpy as np
from PIL import Image

from dalearn.data.cache.key import FORMAT_VERSION, DecodeSettings, cache_key
from dalearn.data.cache.store import (
    SUFFIX,
    CacheDiskFullError,
    CacheError,
    TruncatedCacheError,
    encode_header,
    pixel_bytes,
    read_header,
)
from dalearn.data.image_list import load_image
from dalearn.io import atomic_path, progress, remove_stale_temporaries
from dalearn.io.atomic import TEMP_SUFFIX
from dalearn.io.ownership import claim

log = logging.getLogger("dalearn")

DEFAULT_FOLDER = ".dalearn-cache"
_FILTERS = {
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
    "lanczos": Image.Resampling.LANCZOS,
}
_CHUNK = 64


@dataclass(frozen=True)
class CacheEntry:
    """A usable cache: its file, its header, and whether this call built it (and in how long)."""

    path: Path
    header: dict[str, Any]
    built: bool
    seconds: float

    @property
    def nbytes(self) -> int:
        return int(self.header["data_offset"]) + pixel_bytes(self.header)


def resolve_cache_dir(cache: Any, root: str | Path) -> Optional[Path]:
    """``data.cache`` → the folder of the caches, or None (no cache).

    None / False / ``""`` / ``"none"`` / ``"off"``: no cache; True / ``"auto"``:
    ``<root>/.dalearn-cache``; anything else: that folder (``~`` expanded).
    """
    if cache is None or cache is False or str(cache).strip().lower() in ("", "none", "null", "off", "false"):
        return None
    if cache is True or str(cache).strip().lower() in ("auto", "true", "on"):
        return Path(root) / DEFAULT_FOLDER
    return Path(os.path.expanduser(str(cache)))


def cache_path(cache_dir: str | Path, root: str | Path, list_file: str | Path, settings: DecodeSettings) -> Path:
    """``<cache_dir>/<list path relative to root, / as __>.<8 hex of its absolute path>.<settings><SUFFIX>``.

    One file per list and settings: a changed list replaces its own cache, two datasets whose
    lists share a relative name (in a shared ``data.cache`` folder) do not collide.
    """
    absolute = os.path.abspath(list_file)
    relative = os.path.relpath(absolute, os.path.abspath(root))
    if relative.startswith(".."):
        relative = os.path.basename(absolute)
    readable = relative.replace(os.sep, "__").replace(" ", "_")
    tag = hashlib.sha1(absolute.encode("utf-8")).hexdigest()[:8]
    return Path(cache_dir) / f"{readable}.{tag}.{settings.slug()}{SUFFIX}"


def _only_cache_files(folder: Path) -> bool:
    """A cache folder of an earlier dalearn (no marker): caches, their locks and temporaries only."""
    names = [entry.name for entry in folder.iterdir()]
    return bool(names) and all(
        name.endswith((SUFFIX, f"{SUFFIX}.lock"))
        or (name.startswith(".") and name.endswith(TEMP_SUFFIX) and f"{SUFFIX}." in name)
        for name in names
    )


def claim_cache_dir(cache_dir: str | Path) -> Path:
    """The cache folder, checked (and created and marked) before a cache is built in it."""
    return claim(
        cache_dir,
        "cache",
        "point data.cache (dalearn-data cache --cache-dir) at a new or empty folder, e.g. <data root>/.dalearn-cache",
        legacy=_only_cache_files,
    )


def load_square(path: str, settings: DecodeSettings) -> np.ndarray:
    """One image as the cache stores it: decoded (reduced-size for JPEGs), resized to
    ``side`` × ``side``, RGB, uint8 (H, W, 3) — the reference's ``Resize((256, 256))`` output."""
    image = load_image(path, settings.decode_size)
    side = settings.side
    if image.size != (side, side):
        image = image.resize((side, side), _FILTERS[settings.interpolation])
    return np.asarray(image, dtype=np.uint8)


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as error:
        raise CacheError(
            f"cannot create the lock file {lock_path} ({error.strerror}); make the folder writable or "
            f"point data.cache at a writable directory"
        ) from error
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("image cache: another process is building %s; waiting for it", lock_path.with_suffix(""))
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _valid(path: Path, key: str) -> Optional[dict[str, Any]]:
    """The header if ``path`` is a complete cache for ``key``; None (with a log line) if it
    must be (re)built. Raises ForeignCacheError for a file that is not a cache."""
    if not path.exists():
        return None
    try:
        header = read_header(path)
    except TruncatedCacheError as error:
        log.warning("image cache: %s; rebuilding it", error)
        return None
    if header.get("format") != FORMAT_VERSION or header.get("key") != key:
        log.info(
            "image cache: %s was built for another list, image set or decode settings (key %s…, now %s…); "
            "rebuilding it",
            path,
            str(header.get("key"))[:12],
            key[:12],
        )
        return None
    return header


def _disk_full(path: Path, needed: int, free: Optional[int] = None) -> CacheDiskFullError:
    free_text = "" if free is None else f", {free / 2**30:.2f} GiB free"
    return CacheDiskFullError(
        f"no room for the image cache {path}: it needs {needed} bytes ({needed / 2**30:.2f} GiB){free_text}. "
        f"Free space there, or point the cache at a larger disk with data.cache=/path/to/dir "
        f"(dalearn-data cache --cache-dir /path/to/dir), or run without it (data.cache=null)",
        needed,
    )


def _decoded(paths: Sequence[str], settings: DecodeSettings, workers: int) -> Iterator[np.ndarray]:
    def decode(path: str) -> np.ndarray:
        try:
            return load_square(path, settings)
        except (OSError, ValueError, Image.DecompressionBombError) as error:
            raise CacheError(
                f"cannot decode {path} while building the image cache ({error}); check the tree with "
                f"`dalearn-data verify`"
            ) from error

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for start in range(0, len(paths), _CHUNK):
            yield from pool.map(decode, paths[start : start + _CHUNK])


def _reserve(handle, size: int) -> None:
    try:
        os.posix_fallocate(handle.fileno(), 0, size)
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise
        handle.truncate(size)


def _write(
    path: Path, header: dict[str, Any], paths: Sequence[str], settings: DecodeSettings, workers: int, description: str
) -> None:
    prefix, offset = encode_header(header)
    needed = offset + pixel_bytes(header)
    path.parent.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(path.parent).free
    if free < needed:
        raise _disk_full(path, needed, free)
    expected_shape = tuple(header["shape"])
    try:
        with atomic_path(path) as partial:
            with open(partial, "r+b") as handle:
                _reserve(handle, needed)
                handle.write(prefix)
                for array in progress(_decoded(paths, settings, workers), description, total=len(paths), unit="images"):
                    if array.shape != expected_shape:
                        raise CacheError(f"decoded image of shape {array.shape}, expected {expected_shape}")
                    handle.write(array.tobytes())
                handle.flush()
                os.fsync(handle.fileno())
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT) and not isinstance(error, CacheDiskFullError):
            raise _disk_full(path, needed) from error
        raise


def open_or_build(
    list_file: str | Path,
    root: str | Path,
    samples: Sequence[tuple[str, int]],
    settings: DecodeSettings,
    cache_dir: str | Path,
    workers: Optional[int] = None,
) -> CacheEntry:
    """The cache of ``samples`` (``(path, label)`` of ``list_file``) under ``cache_dir``, built
    first if it is missing, stale or cut short. See the module docstring for the guarantees."""
    start = time.perf_counter()
    paths = [path for path, _ in samples]
    key = cache_key(list_file, root, paths, settings)
    path = cache_path(cache_dir, root, list_file, settings)
    header = _valid(path, key)
    if header is not None:
        return CacheEntry(path, header, built=False, seconds=time.perf_counter() - start)
    claim_cache_dir(path.parent)
    with _exclusive(path.with_name(path.name + ".lock")):
        header = _valid(path, key)
        if header is not None:
            return CacheEntry(path, header, built=False, seconds=time.perf_counter() - start)
        for leftover in remove_stale_temporaries(path.parent):
            log.info("image cache: removed %s, left by a builder that was killed", leftover)
        header = {
            "format": FORMAT_VERSION,
            "key": key,
            "count": len(paths),
            "shape": [settings.side, settings.side, 3],
            "labels": [int(label) for _, label in samples],
            "list_file": os.path.abspath(list_file),
            "root": os.path.abspath(root),
            "settings": settings.describe(),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        workers = workers or min(8, os.cpu_count() or 1)
        _write(path, header, paths, settings, workers, f"cache {Path(list_file).name}")
        header = read_header(path)
    seconds = time.perf_counter() - start
    log.info(
        "image cache: built %s (%d images, %.1f MiB) in %.1f s",
        path,
        header["count"],
        os.path.getsize(path) / 2**20,
        seconds,
    )
    return CacheEntry(path, header, built=True, seconds=seconds)
