"""The target predictions a run keeps, so that rules across candidates (EnsV) run after the fact.

One file per run, ``<run dir>/predictions.npz`` (NumPy's uncompressed ``.npz``: a zip of
``.npy`` arrays, read without pickle), rewritten atomically after every evaluated epoch
(:func:`dalearn.io.atomic_path`). It holds:

- ``probs`` — float16, shape (E, N, C): the softmax prediction of every target-validation
  image (the images the validators score) at each of the E evaluated epochs;
- ``epochs`` — int32, shape (E,): the epoch of each slice, matching the history's ``epoch``;
- ``rows`` — int64, shape (N,): each image's index in the target-validation set, so that two
  runs' predictions are compared image by image (and runs on different target sets, or on
  different DDP shards, are told apart);
- ``format`` — int, the layout version (1).

**Size: 2·C bytes per image per evaluated epoch** (float16; 20 B for 10 classes, 130 B for
Office-Home's 65, 690 B for DomainNet's 345), plus 8 B per image for ``rows``. A 10-epoch run on
the 10 000 Fashion-MNIST test images keeps 2.0 MB; on Digits' 539, 108 kB. float16 keeps about
3 significant digits (relative error ≤ 2⁻¹¹): the argmax of a row changes only between
classes within 0.05 % of each other, which EnsV's agreement counts tolerate.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dalearn.io import atomic_path

PREDICTIONS_FILE = "predictions.npz"
FORMAT = 1


@dataclass(frozen=True)
class Predictions:
    """A run's stored target predictions: ``probs`` (E, N, C) float16, ``epochs`` (E,), ``rows`` (N,)."""

    probs: np.ndarray
    epochs: np.ndarray
    rows: np.ndarray

    def at(self, epoch: int) -> np.ndarray:
        """The (N, C) predictions of ``epoch``; KeyError if that epoch was not stored."""
        where = np.flatnonzero(self.epochs == epoch)
        if not where.size:
            raise KeyError(epoch)
        return self.probs[int(where[-1])]

    @property
    def bytes_per_image(self) -> int:
        """Bytes of ``probs`` per image and evaluated epoch (2·C)."""
        return int(self.probs.dtype.itemsize * self.probs.shape[-1])


def write_predictions(path: str | Path, predictions: Predictions) -> None:
    """Write ``predictions`` to ``path`` atomically (see the module doc for the layout)."""
    probs = np.asarray(predictions.probs, dtype=np.float16)
    epochs = np.asarray(predictions.epochs, dtype=np.int32)
    rows = np.asarray(predictions.rows, dtype=np.int64)
    if probs.ndim != 3 or probs.shape[0] != epochs.shape[0] or probs.shape[1] != rows.shape[0]:
        raise ValueError(
            f"predictions must be (epochs, images, classes) with one epoch number per slice and one row index per "
            f"image; got probs {probs.shape}, epochs {epochs.shape}, rows {rows.shape}"
        )
    with atomic_path(path) as partial, open(partial, "wb") as handle:
        np.savez(handle, probs=probs, epochs=epochs, rows=rows, format=np.int32(FORMAT))


def read_predictions(path: str | Path) -> Predictions:
    """Read a run's ``predictions.npz``; a ValueError naming the file when it is not one."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            version = int(data["format"]) if "format" in data.files else None
            if version != FORMAT:
                raise ValueError(f"layout version {version}, expected {FORMAT}")
            found = Predictions(probs=data["probs"], epochs=data["epochs"], rows=data["rows"])
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise ValueError(
            f"{path}: not a dalearn predictions file ({error}); delete it and retrain the run to record its "
            "target predictions again"
        ) from error
    if found.probs.ndim != 3 or found.probs.shape[:2] != (found.epochs.size, found.rows.size):
        raise ValueError(f"{path}: inconsistent shapes probs {found.probs.shape}, epochs {found.epochs.shape}")
    return found
