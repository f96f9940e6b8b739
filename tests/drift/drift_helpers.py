"""Small ImageFolder trees and output readers for the drift tests."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import torch
from PIL import Image

CLASSES = ("cat", "dog", "fox")
PER_CLASS = 4


def make_tree(root: Path, per_class: int = PER_CLASS, size: int = 16) -> Path:
    """``root/<class>/<k>.png``: random RGB images, class ``c`` brighter in channel ``c``."""
    rng = np.random.default_rng(123)
    for c, name in enumerate(CLASSES):
        (root / name).mkdir(parents=True)
        for k in range(per_class):
            pixels = rng.integers(0, 200, size=(size, size, 3), dtype=np.uint8)
            pixels[..., c] += 55
            Image.fromarray(pixels, mode="RGB").save(root / name / f"{k}.png")
    return root


def read(path: Path, name: str) -> dict:
    """A parquet file of an output folder as ``{column: list}``."""
    return pq.read_table(path / f"{name}.parquet").to_pydict()


def zip_images(path: Path) -> dict[str, torch.Tensor]:
    """Every image of ``sampled_images.zip`` as a float ``[C, H, W]`` tensor, by name."""
    out = {}
    with zipfile.ZipFile(path / "sampled_images.zip") as archive:
        for name in archive.namelist():
            with Image.open(io.BytesIO(archive.read(name))) as image:
                array = np.asarray(image, dtype=np.float32) / 255.0
            out[name] = torch.from_numpy(array).permute(2, 0, 1) if array.ndim == 3 else torch.from_numpy(array)[None]
    return out


def source_image(tree: Path, source_file: str) -> torch.Tensor:
    with Image.open(tree / source_file) as image:
        return torch.from_numpy(np.asarray(image, dtype=np.float32) / 255.0).permute(2, 0, 1)
