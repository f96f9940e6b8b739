"""The on-disk layout of a decoded-image cache, and reading it back safely.

One file per (list file, decode settings), so that one ``os.replace`` publishes it whole::

    MAGIC (20 bytes) | header length L (8 bytes, little-endian) | JSON header (L bytes)
    | zero padding to a multiple of 4096 | pixels: count × side × side × 3 uint8 (row-major, RGB)

The header holds the key (:mod:`.key`), the count, the pixel shape, the data offset, every label,
the list file and the settings. :func:`read_header` refuses a file that is not a dalearn cache
(:class:`ForeignCacheError`) and reports a file whose size does not match its header
(:class:`TruncatedCacheError`): the pixels were cut short after the file was published (a copy
that stopped, a disk error) — a builder never publishes a partial file.
"""

from __future__ import annotations

import errno
import json
import os
import struct
from pathlib import Path
from typing import Any

import numpy as np

MAGIC = b"DALEARN-IMAGE-CACHE\n"
ALIGN = 4096
_LENGTH = struct.Struct("<Q")
SUFFIX = ".dlcache"


class CacheError(RuntimeError):
    """A decoded-image cache that cannot be used or built."""


class ForeignCacheError(CacheError):
    """The file at a cache path is not a dalearn image cache (or its header is unreadable)."""


class TruncatedCacheError(CacheError):
    """A cache file shorter or longer than its header says."""


class CacheDiskFullError(CacheError):
    """No room to write a cache (free space checked before the build, ENOSPC during it);
    ``errno`` is ENOSPC, ``needed`` the bytes the cache takes."""

    def __init__(self, message: str, needed: int) -> None:
        super().__init__(message)
        self.errno = errno.ENOSPC
        self.needed = needed


def encode_header(header: dict[str, Any]) -> tuple[bytes, int]:
    """(bytes before the pixels, data offset): magic, length, JSON, padding; the header's
    ``data_offset`` is filled in."""
    header = dict(header, data_offset=0)
    for _ in range(3):
        body = json.dumps(header, sort_keys=True).encode("utf-8")
        offset = -(-(len(MAGIC) + _LENGTH.size + len(body)) // ALIGN) * ALIGN
        if header["data_offset"] == offset:
            break
        header["data_offset"] = offset
    prefix = MAGIC + _LENGTH.pack(len(body)) + body
    return prefix + b"\0" * (offset - len(prefix)), offset


def pixel_bytes(header: dict[str, Any]) -> int:
    """Bytes of pixel data the header announces."""
    return int(header["count"]) * int(np.prod(header["shape"]))


def read_header(path: str | Path) -> dict[str, Any]:
    """The header of the cache at ``path``, after checking the magic and the file size."""
    path = Path(path)
    with open(path, "rb") as handle:
        magic = handle.read(len(MAGIC))
        if magic != MAGIC:
            raise ForeignCacheError(
                f"{path} is not a dalearn image cache (it does not start with {MAGIC!r}); dalearn does not "
                f"overwrite files it did not write: delete it, or point data.cache at another directory"
            )
        raw_length = handle.read(_LENGTH.size)
        try:
            (length,) = _LENGTH.unpack(raw_length)
            if length > os.path.getsize(path):
                raise ValueError(f"header length {length} exceeds the file")
            header = json.loads(handle.read(length).decode("utf-8"))
            expected = int(header["data_offset"]) + pixel_bytes(header)
        except (struct.error, ValueError, KeyError, TypeError) as error:
            raise ForeignCacheError(
                f"{path} has a dalearn cache signature but an unreadable header ({error}); delete it and "
                f"it will be rebuilt"
            ) from error
    size = os.path.getsize(path)
    if size != expected:
        raise TruncatedCacheError(
            f"{path} holds {size} bytes but its header announces {expected} "
            f"({header['count']} images of {header['shape']}); the file was cut short or altered after it "
            f"was written"
        )
    return header


def open_pixels(path: str | Path, header: dict[str, Any]) -> np.memmap:
    """The pixels as a read-only memory map of shape ``(count, *shape)``."""
    return np.memmap(
        path,
        dtype=np.uint8,
        mode="r",
        offset=int(header["data_offset"]),
        shape=(int(header["count"]), *header["shape"]),
    )
