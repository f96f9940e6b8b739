"""Read a generated drift set back as a labelled image dataset (a training target domain).

:class:`DriftedImageFolder` takes a folder written by :class:`~dalearn.drift.ImageDatasetGenerator`
(``dalearn-drift``): the images from ``sampled_images.zip`` — or, when the zip was extracted,
from a ``sampled_images/`` folder next to the parquet files — with their labels from
``target.parquet`` joined on ``sample_id``. Rows are in ``sample_id`` order. The zip is opened
lazily in each process (a ``ZipFile`` handle must not cross a DataLoader worker fork).

Images come back as float tensors ``[channels, H, W]`` in [0, 1] (``image_type="tensor"``, the
format of the offline datasets) or as PIL images (``"pil"``, the format of the image lists,
for the recipes' transforms). ``classes`` names every label ``0 … max label``; with a class
mapping that merges classes the names are joined with ``|``.
"""

from __future__ import annotations

from dalearn._extras import require

require("drift", "pyarrow", "PIL", by="dalearn.drift.dataset")  # the extra's pip line if missing

import io
import json
import zipfile
from pathlib import Path
from typing import Optional, Union

import numpy as np
import pyarrow.parquet as pq
import torch
from PIL import Image
from torch.utils.data import Dataset

from dalearn.drift.output import MAPPING_NAME, METADATA_NAME, TARGET_NAME, ZIP_NAME
from dalearn.drift.sources import pil_to_tensor

IMAGE_TYPES = ("tensor", "pil")
EXTRACTED_NAME = "sampled_images"


def _read_columns(path: Path, columns: list[str]) -> dict[str, list]:
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: {path.parent} is not a complete dalearn-drift output")
    table = pq.read_table(path)
    absent = [c for c in columns if c not in table.column_names]
    if absent:
        raise ValueError(f"{path} lacks the columns {absent} (has {table.column_names})")
    return {c: table.column(c).to_pylist() for c in columns}


def label_names(metadata: dict, num_labels: int) -> list[str]:
    """Names of labels ``0 … num_labels − 1`` from the generator's metadata."""
    names: dict[int, list[str]] = {}
    for class_name, label in metadata.get("labels", {}).items():
        names.setdefault(int(label), []).append(class_name)
    return ["|".join(sorted(names[i])) if i in names else str(i) for i in range(num_labels)]


class DriftedImageFolder(Dataset):
    """``(image, label)`` pairs of a dalearn-drift output folder.

    Args:
        path: the output folder (``sampled_images.zip`` or ``sampled_images/``, the parquet
            files and ``metadata.json``).
        image_type: ``"tensor"`` or ``"pil"``.
        channels: 3 (gray images repeated; the offline domains are RGB) or 1 (colour images
            converted to luma), or None to keep what is stored.
    """

    def __init__(self, path: Union[str, Path], image_type: str = "tensor", channels: Optional[int] = 3) -> None:
        if image_type not in IMAGE_TYPES:
            raise ValueError(f"image_type must be one of {IMAGE_TYPES}, got {image_type!r}")
        if channels not in (None, 1, 3):
            raise ValueError(f"channels must be 1, 3 or None, got {channels!r}")
        self.path = Path(path).expanduser()
        if not self.path.is_dir():
            raise FileNotFoundError(f"drifted data folder {self.path} does not exist; generate it with dalearn-drift")
        self.image_type = image_type
        self.channels = channels
        mapping = _read_columns(self.path / MAPPING_NAME, ["sample_id", "file_name"])
        target = _read_columns(self.path / TARGET_NAME, ["sample_id", "label"])
        by_id = dict(zip(target["sample_id"], target["label"]))
        missing = [i for i in mapping["sample_id"] if i not in by_id]
        if missing or len(by_id) != len(mapping["sample_id"]):
            raise ValueError(
                f"{self.path}: {MAPPING_NAME} and {TARGET_NAME} disagree on the sample ids "
                f"(e.g. {missing[:3]} have no label)"
            )
        order = np.argsort(np.asarray(mapping["sample_id"]), kind="stable")
        self.sample_ids = [mapping["sample_id"][i] for i in order]
        self.file_names = [mapping["file_name"][i] for i in order]
        self.labels = torch.tensor([by_id[i] for i in self.sample_ids], dtype=torch.long)
        metadata_path = self.path / METADATA_NAME
        metadata = json.loads(metadata_path.read_text(encoding="utf-8")) if metadata_path.is_file() else {}
        # The label space is the generator's (metadata), not the largest label that happens to
        # be sampled: a small sample missing the last class still has every class.
        known = [int(label) for label in metadata.get("labels", {}).values()]
        num_labels = max([*known, int(self.labels.max()) if len(self.labels) else -1]) + 1
        self.classes = label_names(metadata, num_labels)
        self._zip_path = self.path / ZIP_NAME
        self._folder = self.path / EXTRACTED_NAME
        if not self._zip_path.is_file() and not self._folder.is_dir():
            raise FileNotFoundError(f"{self.path} holds neither {ZIP_NAME} nor an extracted {EXTRACTED_NAME}/ folder")
        self._zip: Optional[zipfile.ZipFile] = None

    @property
    def targets(self) -> list[int]:
        return self.labels.tolist()

    def __len__(self) -> int:
        return len(self.file_names)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_zip"] = None
        return state

    def _read(self, name: str) -> bytes:
        if self._zip_path.is_file():
            if self._zip is None:
                self._zip = zipfile.ZipFile(self._zip_path)
            return self._zip.read(name)
        return (self._folder / name).read_bytes()

    def __getitem__(self, index: int):
        with Image.open(io.BytesIO(self._read(self.file_names[index]))) as image:
            if self.channels == 3:
                image = image.convert("RGB")
            elif self.channels == 1:
                image = image.convert("L")
            else:
                image.load()
            label = int(self.labels[index])
            if self.image_type == "pil":
                return image.copy(), label
            return pil_to_tensor(image), label

    def __repr__(self) -> str:
        return f"DriftedImageFolder({str(self.path)!r}, n={len(self)}, classes={len(self.classes)})"
