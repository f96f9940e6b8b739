"""Image-list datasets: a text file names the images and their integer labels.

One image a line, ``relative/path label``: the last whitespace-separated token is the label,
everything before it is the path (paths may contain spaces), relative to ``root`` unless it is
absolute. This is the format of the Office-31, Office-Home, VisDA-2017 and DomainNet lists.

:class:`ImageList` returns ``(PIL RGB image, label)``; the DataModule applies the transforms.
With ``decode_size`` a JPEG is decoded at a reduced scale (libjpeg's DCT scaling, 1/2, 1/4 or
1/8) that still covers ``decode_size`` × ``decode_size`` pixels — several times cheaper than a
full decode of a photo-sized image, and the training recipes resize to 256 anyway.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Sequence

from PIL import Image
from torch.utils.data import Dataset


class ImageListError(ValueError):
    """A list file that cannot be parsed, or whose labels do not fit the classes."""


def read_image_list(list_file: str | Path, root: str | Path) -> list[tuple[str, int]]:
    """Parse ``list_file`` into ``(absolute image path, label)`` pairs; blank lines are skipped.

    Raises :class:`ImageListError` naming the file and line of the first malformed entry, and
    :class:`FileNotFoundError` when the list itself is missing.
    """
    list_file = Path(list_file)
    samples = []
    with open(list_file, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.strip()
            if not line:
                continue
            parts = line.rsplit(maxsplit=1)
            if len(parts) != 2 or not parts[1].lstrip("-").isdigit():
                raise ImageListError(
                    f"{list_file}:{number}: expected 'relative/path label' (label an integer), got {line!r}"
                )
            path = parts[0] if os.path.isabs(parts[0]) else os.path.join(root, parts[0])
            samples.append((path, int(parts[1])))
    return samples


def missing_images(paths: Sequence[str]) -> list[str]:
    """The paths that do not exist, in order; each directory is listed once instead of one
    ``stat`` per file, so checking a 100 000-image list takes well under a second."""
    listings: dict[str, set[str]] = {}
    missing = []
    for path in paths:
        directory, name = os.path.split(path)
        names = listings.get(directory)
        if names is None:
            try:
                names = set(os.listdir(directory or "."))
            except (FileNotFoundError, NotADirectoryError):
                names = set()
            listings[directory] = names
        if name not in names:
            missing.append(path)
    return missing


def load_image(path: str, decode_size: Optional[int] = None) -> Image.Image:
    """Open ``path`` as an RGB PIL image; with ``decode_size`` a JPEG is decoded at the smallest
    DCT scale whose width and height are both at least ``decode_size`` (other formats: full)."""
    try:
        with Image.open(path) as image:
            if decode_size is not None:
                image.draft("RGB", (decode_size, decode_size))
            return image.convert("RGB")
    except FileNotFoundError:
        raise
    except (OSError, SyntaxError, ValueError) as error:
        raise OSError(
            f"cannot decode the image {path} ({type(error).__name__}: {error}): the file is damaged or truncated. "
            "Replace it (re-extract or re-download the data set), and run `dalearn-data verify <dataset> --root …` "
            "to find every unreadable file before training"
        ) from error


class ImageList(Dataset):
    """The images of one list file, as ``(PIL RGB image, label)``.

    Args:
        root: directory the relative paths of the list are relative to.
        list_file: the list, ``relative/path label`` a line.
        classes: class names, index = label. Every label must lie in ``[0, len(classes))``.
        decode_size: decode JPEGs at a reduced scale that still covers this many pixels on each
            side (None: full-size decode, as the reference pipeline).
    """

    def __init__(
        self,
        root: str | Path,
        list_file: str | Path,
        classes: Sequence[str],
        decode_size: Optional[int] = None,
    ) -> None:
        if decode_size is not None and decode_size < 1:
            raise ValueError(f"decode_size must be a positive number of pixels or None, got {decode_size}")
        self.root = str(root)
        self.list_file = str(list_file)
        self.classes = list(classes)
        self.decode_size = decode_size
        self.samples = read_image_list(list_file, root)
        if not self.samples:
            raise ImageListError(
                f"{list_file} names no images (it is empty): write one 'relative/path label' a line, or replace it "
                f"with the published list of its data set"
            )
        bad = [(path, label) for path, label in self.samples if not 0 <= label < len(self.classes)]
        if bad:
            raise ImageListError(
                f"{list_file}: {len(bad)} labels outside [0, {len(self.classes)}) for {len(self.classes)} classes, "
                f"e.g. {bad[0][0]} {bad[0][1]}; the list does not belong to this class list"
            )

    @property
    def targets(self) -> list[int]:
        """The label of every sample, in list order."""
        return [label for _, label in self.samples]

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[Image.Image, int]:
        path, label = self.samples[index]
        return load_image(path, self.decode_size), label

    def __repr__(self) -> str:
        return f"ImageList({self.list_file!r}, {len(self)} images, {len(self.classes)} classes)"
