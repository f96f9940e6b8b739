"""Write a small stand-in tree in a benchmark's exact layout (list files + images).

For tests, smoke runs of the recipes and demos without the real data: the list files, folder
names and image formats (JPEG; PNG where the real domain uses PNG) are those of the real
dataset, only the number of images per class is small. Each class has its own colour so a model
can learn something, and each domain its own tint and texture so the domains differ.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np
from PIL import Image

from dalearn.data.benchmarks.registry import get_benchmark
from dalearn.io import atomic_write_text


def _image(rng: np.random.Generator, label: int, domain_index: int, size: tuple[int, int]) -> Image.Image:
    width, height = size
    hue = np.array([(label * 97) % 256, (label * 57 + 80) % 256, (label * 23 + 160) % 256], dtype=np.float64)
    tint = np.roll(np.array([40.0, 0.0, -40.0]), domain_index)
    noise = rng.normal(0.0, 12.0 + 8.0 * domain_index, size=(height, width, 3))
    pixels = np.clip(hue + tint + noise, 0, 255).astype(np.uint8)
    return Image.fromarray(pixels)


def make_fake_tree(
    name: str,
    root: str | Path,
    images_per_class: int = 2,
    num_classes: Optional[int] = None,
    size: tuple[int, int] = (48, 40),
    seed: int = 0,
) -> Path:
    """Write ``images_per_class`` images for each of the first ``num_classes`` classes (default:
    all) of every domain and list split of benchmark ``name`` under ``root``; return ``root``."""
    spec = get_benchmark(name)
    classes = spec.classes[: num_classes or spec.num_classes]
    root = Path(root)
    rng = np.random.default_rng(seed)
    for domain_index, domain in enumerate(spec.domains):
        folder_pattern, _, file_pattern = domain.layout.rpartition("/")
        extension = file_pattern.rsplit(".", 1)[-1]
        for split, list_path in domain.lists.items():
            lines = []
            for label, class_name in enumerate(classes):
                folder = root / folder_pattern.replace("<class>", class_name)
                folder.mkdir(parents=True, exist_ok=True)
                for index in range(images_per_class):
                    path = folder / f"{domain.name}_{split}_{index:04d}.{extension}"
                    _image(rng, label, domain_index, size).save(path)
                    lines.append(f"{path.relative_to(root).as_posix()} {label}")
            list_file = root / list_path
            atomic_write_text(list_file, "\n".join(lines) + "\n")
    return root
