"""Small real image domains on disk for the domain tests: scikit-learn's digits written as
an ImageFolder tree, an image list of the same files, and a dalearn-drift folder made from it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from sklearn.datasets import load_digits


def write_digit_folder(root: Path, per_class: int = 12, classes=range(10), size: int = 28, offset: int = 0) -> Path:
    """``root/<digit>/<i>.png``: ``per_class`` digits of each class, grey, ``size``×``size``."""
    digits = load_digits()
    for label in classes:
        folder = root / str(label)
        folder.mkdir(parents=True, exist_ok=True)
        rows = np.flatnonzero(digits.target == label)[offset : offset + per_class]
        for i in rows:
            image = Image.fromarray((digits.images[i] * 255 / 16).astype("uint8")).resize((size, size))
            image.save(folder / f"{i}.png")
    return root


def write_list(folder: Path, list_file: Path, names: list[str]) -> Path:
    """An image list of ``folder``'s images, label = position of the folder name in ``names``."""
    lines = [
        f"{p.relative_to(list_file.parent).as_posix()} {names.index(p.parent.name)}"
        for p in sorted(folder.rglob("*.png"))
    ]
    list_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return list_file


def write_drift_folder(source: Path, out: Path, samples: int = 60) -> Path:
    from dalearn.drift import ImageDatasetGenerator, ImageTransform, TransformInfo

    generator = ImageDatasetGenerator(seed=0, input_path=str(source))
    generator.add_abrupt_drift([TransformInfo(ImageTransform.ROTATE, 0.3)])
    generator.sample(samples, str(out))
    return out
