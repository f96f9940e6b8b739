"""Where the generator's clean images come from: an ImageFolder tree, or any object with the
same interface (dalearn's offline datasets: :class:`dalearn.data.offline_source.OfflineSource`).

A source is an indexable collection of labelled images with a common interface:

- ``classes`` — class names, index = class id;
- ``labels`` — ``int64`` array, the class id of every image;
- ``names`` — a stable name per image (its path relative to the tree, or
  ``<dataset>/<split>/<index>``), recorded in the output as the sample's origin;
- ``load(indices)`` — the images, float in [0, 1] with ``C`` = 1 for grayscale and 3 for
  colour: a list of ``[C, H, W]`` tensors (sizes may differ) or one ``[N, C, H, W]`` tensor.

:class:`ImageFolderSource` reads an ImageFolder tree (one sub-folder per class, images inside,
nested folders allowed); grayscale files (PIL modes ``1``, ``L``, ``I``, ``F``, ``LA``) load as
one channel, every other mode as RGB. :class:`OfflineSource` wraps :mod:`dalearn.data.offline`
(scikit-learn digits, Fashion-MNIST): their clean domains are gray images repeated to three
channels, loaded here as one channel.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from PIL import Image

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm")
GRAY_MODES = ("1", "L", "I", "I;16", "F", "LA")


def pil_to_tensor(image: Image.Image) -> torch.Tensor:
    """PIL image → float ``[C, H, W]`` in [0, 1]; one channel for grayscale modes, else RGB."""
    if image.mode in GRAY_MODES:
        gray = image.convert("F") if image.mode in ("I", "I;16", "F") else image.convert("L")
        scale = 65535.0 if image.mode in ("I", "I;16") else (1.0 if image.mode == "F" else 255.0)
        array = np.asarray(gray, dtype=np.float32) / scale
        return torch.from_numpy(array.clip(0.0, 1.0)).unsqueeze(0)
    array = np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0
    return torch.from_numpy(array).permute(2, 0, 1).contiguous()


class ImageFolderSource:
    """The images of an ImageFolder tree ``root/<class>/**/<image>``, classes sorted by name."""

    def __init__(self, root: str | Path) -> None:
        root = Path(root).expanduser()
        if not root.is_dir():
            raise FileNotFoundError(
                f"input tree {root} does not exist or is not a folder; expected one sub-folder per class"
            )
        self.root = root
        self.classes = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
        files: list[tuple[str, int]] = []
        for label, name in enumerate(self.classes):
            for path in sorted((root / name).rglob("*")):
                if path.is_file() and path.suffix.lower() in IMAGE_EXTENSIONS:
                    files.append((path.relative_to(root).as_posix(), label))
        if not files:
            raise ValueError(
                f"input tree {root} holds no images: expected <class>/<image> files with one of the "
                f"extensions {', '.join(IMAGE_EXTENSIONS)} (found class folders: {self.classes or 'none'})"
            )
        self.names = [name for name, _ in files]
        self.labels = np.array([label for _, label in files], dtype=np.int64)

    def __len__(self) -> int:
        return len(self.names)

    def load(self, indices: Sequence[int]) -> list[torch.Tensor]:
        images = []
        for i in indices:
            path = self.root / self.names[i]
            try:
                with Image.open(path) as image:
                    images.append(pil_to_tensor(image))
            except OSError as error:
                raise ValueError(f"cannot decode input image {path}: {error}") from error
        return images

    def describe(self) -> str:
        return f"ImageFolder {self.root} ({len(self)} images, {len(self.classes)} classes)"
