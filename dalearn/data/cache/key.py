"""What a decoded-image cache depends on, reduced to one SHA-256 key.

A cache is valid for exactly one combination of

- the list file's bytes (which images, in which order, with which labels);
- for every listed image: its path relative to the dataset root, its size in bytes and its
  modification time in nanoseconds (``os.stat``) — a replaced or re-encoded image changes
  them. Contents are not hashed: reading every image to hash it would cost as much as
  decoding it, which is what the cache saves. A tree copied with its times kept (``rsync -a``,
  ``cp -p``) keeps its caches; one copied without them is cached again;
- the decode settings (:class:`DecodeSettings`): the stored side, the reduced-size JPEG decode,
  the resampling filter, and the Pillow version (a new decoder may give other pixels);
- :data:`FORMAT_VERSION` of the file layout.

Any change gives another key, and a cache whose header holds another key is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional, Sequence

import PIL

FORMAT_VERSION = 1
INTERPOLATIONS = ("bilinear", "bicubic", "lanczos")


@dataclass(frozen=True)
class DecodeSettings:
    """How an image is turned into its stored ``side`` × ``side`` × 3 uint8 array.

    Args:
        side: the square every image is resized to (the recipes' 256: the canvas that
            RandomResizedCrop and the centre crop work on).
        decode_size: reduced-size JPEG decoding (see :func:`dalearn.data.image_list.load_image`);
            None decodes at full size.
        interpolation: the filter of the square resize (the recipes: bilinear).
    """

    side: int = 256
    decode_size: Optional[int] = 256
    interpolation: str = "bilinear"

    def __post_init__(self) -> None:
        if int(self.side) < 1:
            raise ValueError(f"the cache side must be a positive number of pixels, got {self.side}")
        if self.decode_size is not None and int(self.decode_size) < 1:
            raise ValueError(f"decode_size must be a positive number of pixels or None, got {self.decode_size}")
        if self.interpolation not in INTERPOLATIONS:
            raise ValueError(f"interpolation must be one of {INTERPOLATIONS}, got {self.interpolation!r}")

    def describe(self) -> dict:
        """The settings as stored in a cache header (with the decoder's version)."""
        return {**asdict(self), "pillow": PIL.__version__}

    def slug(self) -> str:
        """A short file-name part: ``s256-d256-bilinear``."""
        decode = "full" if self.decode_size is None else f"d{self.decode_size}"
        return f"s{self.side}-{decode}-{self.interpolation}"


def cache_key(list_file: str | Path, root: str | Path, paths: Sequence[str], settings: DecodeSettings) -> str:
    """The SHA-256 (hex) of everything the cached pixels depend on (see the module docstring).

    Raises FileNotFoundError naming the image when a listed image is missing.
    """
    digest = hashlib.sha256()
    digest.update(json.dumps({"format": FORMAT_VERSION, "settings": settings.describe()}, sort_keys=True).encode())
    digest.update(b"\0list\0")
    digest.update(Path(list_file).read_bytes())
    root = os.path.abspath(root)
    for path in paths:
        stat = os.stat(path)
        relative = os.path.relpath(os.path.abspath(path), root)
        digest.update(f"{relative}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()
