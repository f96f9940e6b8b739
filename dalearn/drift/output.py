"""The generator's output folder, written atomically: everything goes into a temporary folder
next to the destination, which is renamed into place only once every file is complete.

Files (see :mod:`dalearn.drift.generator` for the columns):
``sampled_images.zip``, ``input_mapping.parquet``, ``target.parquet``, ``drift.parquet``,
``metadata.json`` and, when asked, ``embeddings.parquet``.

An existing destination is replaced only with ``overwrite=True`` and only when it is empty or
is itself a generator output — it carries dalearn's ``.dalearn-owner.json`` marker of kind
``drift`` (written into every output), or, written by an earlier version, holds nothing but
the files above (:func:`dalearn.io.ownership.claim`): an unrelated folder is never deleted;
the destination is checked again just before the rename, so an output another
process wrote meanwhile is not replaced without ``overwrite``. The old folder is moved aside,
the new one renamed in (the old one is put back if that fails), then the old one removed, so
the destination path never holds a partial output. Parent folders created for the output are
removed again when the call fails. Zip entries carry a fixed date so the same
images give a byte-identical archive.
"""

from __future__ import annotations

from dalearn._extras import require

require("drift", "pyarrow", "PIL", by="dalearn.drift.output")  # the extra's pip line if missing

import io
import json
import zipfile
from pathlib import Path
from typing import Any, Optional

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import torch
from PIL import Image

from dalearn.io import discard_temporary, remove_stale_temporaries, temporary_sibling
from dalearn.io.ownership import ForeignFolderError, claim, only_names, replace_directory, write_marker

ZIP_NAME = "sampled_images.zip"
MAPPING_NAME = "input_mapping.parquet"
TARGET_NAME = "target.parquet"
EMBEDDINGS_NAME = "embeddings.parquet"
DRIFT_NAME = "drift.parquet"
METADATA_NAME = "metadata.json"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
#: what to do about an output folder dalearn-drift did not write
REPLACE_ADVICE = "refusing to delete it even with overwrite=True — choose another output path"
OUTPUT_NAMES = (ZIP_NAME, MAPPING_NAME, TARGET_NAME, EMBEDDINGS_NAME, DRIFT_NAME, METADATA_NAME)


def check_destination(output_path: str | Path, overwrite: bool) -> Path:
    """Validate the destination before anything is generated; returns it as a Path."""
    path = Path(output_path).expanduser()
    if path.exists() or path.is_symlink():
        if not overwrite:
            raise FileExistsError(
                f"output folder {path} already exists; pass overwrite=True (dalearn-drift: overwrite=true) to replace it"
            )
        if not path.is_dir():
            raise ValueError(f"output path {path} exists and is not a folder; refusing to replace it")
        try:
            claim(
                path,
                "drift",
                REPLACE_ADVICE,
                legacy=only_names(OUTPUT_NAMES),
                create=False,
            )
        except ForeignFolderError as error:
            raise ValueError(f"output folder {path} is not a drift generator output: {error}") from None
    return path


def encode_png(image: torch.Tensor) -> bytes:
    """``[C, H, W]`` float in [0, 1] → PNG bytes (8-bit gray for C = 1, RGB for C = 3)."""
    array = (image.clamp(0.0, 1.0) * 255.0).round().to(torch.uint8).permute(1, 2, 0).numpy()
    pil = Image.fromarray(array[..., 0], mode="L") if array.shape[2] == 1 else Image.fromarray(array, mode="RGB")
    buffer = io.BytesIO()
    pil.save(buffer, format="PNG")
    return buffer.getvalue()


def embedding_table(sample_ids: np.ndarray, timestamps: np.ndarray, embeddings: np.ndarray) -> pa.Table:
    """``sample_id`` i64, ``timestamp`` f64, ``embedding`` fixed-size list of f64."""
    dim = embeddings.shape[1]
    values = pa.array(embeddings.astype(np.float64).reshape(-1), type=pa.float64())
    column = pa.FixedSizeListArray.from_arrays(values, dim)
    return pa.table(
        {
            "sample_id": pa.array(sample_ids, type=pa.int64()),
            "timestamp": pa.array(timestamps, type=pa.float64()),
            "embedding": column,
        }
    )


class AtomicOutput:
    """Collects the output files in a temporary sibling folder; :meth:`commit` renames it into
    place. Used as a context manager: leaving the block without committing removes the
    temporary folder."""

    def __init__(self, destination: Path, overwrite: bool) -> None:
        self.destination = check_destination(destination, overwrite)
        self.overwrite = overwrite
        self._created_parents = [p for p in reversed(self.destination.parents) if not p.exists()]
        self.destination.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(self.destination.parent, self.destination.name)
        self.temporary = temporary_sibling(self.destination, directory=True)
        self._zip: Optional[zipfile.ZipFile] = zipfile.ZipFile(self.temporary / ZIP_NAME, "w", zipfile.ZIP_STORED)
        self._names: set[str] = set()

    def __enter__(self) -> "AtomicOutput":
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None
        discard_temporary(self.temporary)
        if not self.destination.exists():
            for parent in reversed(self._created_parents):
                if parent.is_dir() and not any(parent.iterdir()):
                    parent.rmdir()

    def add_image(self, name: str, data: bytes) -> None:
        """Store one encoded image in the zip under ``name`` (names must be unique)."""
        if name in self._names:
            raise ValueError(f"duplicate image name {name!r} in {ZIP_NAME}")
        self._names.add(name)
        self._zip.writestr(zipfile.ZipInfo(name, date_time=_ZIP_DATE), data)

    def write_table(self, name: str, table: pa.Table) -> None:
        pq.write_table(table, self.temporary / name)

    def write_json(self, name: str, content: dict) -> None:
        (self.temporary / name).write_text(json.dumps(content, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    def commit(self) -> Path:
        """Close the zip and move the finished folder to the destination.

        The destination is checked again (another process may have written there while
        this one generated): without ``overwrite`` nothing that appeared meanwhile is
        replaced. If the final rename fails, the previous output is put back."""
        self._zip.close()
        self._zip = None
        write_marker(self.temporary, "drift")
        check_destination(self.destination, self.overwrite)
        return replace_directory(self.temporary, self.destination, "drift", REPLACE_ADVICE)
