"""An ImageFolder tree as a labelled dataset: ``root/<class name>/**/<image>``.

Classes are the sub-folder names, sorted; the label of an image is the index of its folder.
Images come back as PIL RGB images (the transforms of the DataModule convert them), so a
folder of 28×28 digits and a folder of photos go through the same code.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from torch.utils.data import Dataset

from dalearn.data.image_list import load_image
from dalearn.drift.sources import ImageFolderSource


class ImageFolder(Dataset):
    """``(PIL RGB image, label)`` pairs of an ImageFolder tree; ``classes`` are the folder names."""

    def __init__(self, root: str | Path) -> None:
        source = ImageFolderSource(root)
        self.root = source.root
        self.classes = list(source.classes)
        self.paths = [str(self.root / name) for name in source.names]
        self.labels = [int(label) for label in source.labels]

    @property
    def targets(self) -> list[int]:
        return list(self.labels)

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> tuple[Image.Image, int]:
        return load_image(self.paths[index]), self.labels[index]

    def __repr__(self) -> str:
        return f"ImageFolder({str(self.root)!r}, {len(self)} images, {len(self.classes)} classes)"
