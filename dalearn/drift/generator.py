"""``ImageDatasetGenerator``: draws images from a clean source, drifts them on a schedule and
writes a drifted image set — a target domain for training (``data=drifted``) and the data of
the drift reports.

Workflow (the same as the image drift generator of the DQM-ML toolkit, whose API this follows)::

    gen = ImageDatasetGenerator(seed=42, input_path="/data/places", compute_embeddings=True)
    gen.add_abrupt_drift([TransformInfo(ImageTransform.DEFAULT, 0.6)])
    gen.sample(1000, "/data/places_drifted")

The output folder holds (one row per sample, in ``sample_id`` order):

- ``sampled_images.zip`` — PNG images, ``<sample_id:08d>.png`` or, with
  ``organize_by_class``, ``<class folder>/<sample_id:08d>.png``;
- ``input_mapping.parquet`` — ``sample_id`` i64, ``timestamp`` f64, ``file_name`` str (the
  name inside the zip);
- ``target.parquet`` — ``sample_id`` i64, ``timestamp`` f64, ``label`` i64 (the class index,
  or ``class_mapping[class name]``);
- ``embeddings.parquet`` (``compute_embeddings``) — ``sample_id``, ``timestamp``,
  ``embedding`` (fixed-size list of f64) of the *drifted* image;
- ``drift.parquet`` — the schedule per sample: ``sample_id``, ``timestamp``, ``source_file``
  (the clean image it came from), ``class_name``, ``severity`` f64 (the factor applied to
  every drift level), ``drifted`` bool;
- ``metadata.json`` — seed, source, classes and labels, transforms, schedule, timestamps,
  embedding model.

Stream semantics: the generator is a stream. ``sample_id`` keeps counting across ``sample()``
calls, ``timestamp = start_timestamp + sample_id · timestamp_step`` (1 800 s as the
reference), the drift schedule's positions are ``sample_id``\\ s, and the clean images are
walked through a seeded random permutation: consecutive calls never repeat or skip an image;
once every image has been used, a fresh permutation starts (the only time an image recurs).
A call that fails leaves the stream where it was. The output of a sequence of calls is fixed
by the seed and the sequence of ``num_samples``.

Fixed defects of the reference: per-image (not per-batch) random parameters, a continuous
DEFAULT drift, the embedding model loaded once and run in batches with its normalisation,
no repeated or skipped images, the column really named ``sample_id``, gradual and incremental
drift, and no weight download.
"""

from __future__ import annotations

from dalearn._extras import require

require("drift", "pyarrow", "PIL", by="dalearn.drift.generator")  # the extra's pip line if missing

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence, Union

import numpy as np
import pyarrow as pa
import torch

from dalearn.drift.embeddings import Embedder
from dalearn.drift.output import (
    DRIFT_NAME,
    EMBEDDINGS_NAME,
    MAPPING_NAME,
    METADATA_NAME,
    TARGET_NAME,
    AtomicOutput,
    check_destination,
    embedding_table,
    encode_png,
)
from dalearn.drift.schedule import DriftSchedule
from dalearn.drift.sources import ImageFolderSource
from dalearn.drift.stream import SampleStream
from dalearn.drift.transforms import TransformInfo, apply_drift
from dalearn.io import progress

DEFAULT_START_TIMESTAMP = 1_704_067_200.0  # 2024-01-01T00:00:00Z
DEFAULT_TIMESTAMP_STEP = 1_800.0


@dataclass(frozen=True)
class GeneratedSet:
    """What one :meth:`ImageDatasetGenerator.sample` call wrote."""

    path: Path
    first_sample_id: int
    num_samples: int
    num_drifted: int
    source: str = ""


def class_folder(name: str) -> str:
    """A class name made safe as a folder name inside the zip (``T-shirt/top`` → ``T-shirt_top``)."""
    safe = re.sub(r"[^A-Za-z0-9._ -]+", "_", name).strip(" .")
    return safe or "_"


def _check_transforms(transform_list: Sequence[TransformInfo]) -> list[TransformInfo]:
    if isinstance(transform_list, TransformInfo) or not isinstance(transform_list, Sequence):
        raise ValueError(f"transform_list must be a list of TransformInfo, got {type(transform_list).__name__}")
    if not transform_list:
        raise ValueError("transform_list is empty: give at least one TransformInfo")
    for t in transform_list:
        if not isinstance(t, TransformInfo):
            raise ValueError(f"transform_list must hold TransformInfo objects, got {type(t).__name__}: {t!r}")
    return list(transform_list)


class ImageDatasetGenerator:
    """Generate drifted image sets from a clean source.

    Args:
        seed: fixes the image order, the drift parameters and the gradual schedule's draws.
        input_path: an ImageFolder tree (one sub-folder per class). Give this or ``source``.
        compute_embeddings: also write ``embeddings.parquet``.
        organize_by_class: store the images in class folders inside the zip.
        source: a source object instead of ``input_path`` (see :mod:`dalearn.drift.sources`;
            :class:`dalearn.data.offline_source.OfflineSource` is one for dalearn's offline datasets).
        class_mapping: ``{class name: label}`` written to ``target.parquet`` instead of the class
            index; it must cover every class.
        embedder: an :class:`~dalearn.drift.embeddings.Embedder`, or the keyword arguments for
            one (default: ``backbone="auto"``). Built once, on first use.
        batch_size: images loaded, drifted and encoded together.
        start_timestamp, timestamp_step: ``timestamp = start + sample_id · step`` (seconds).
    """

    def __init__(
        self,
        seed: int,
        input_path: Optional[Union[str, Path]] = None,
        compute_embeddings: bool = False,
        organize_by_class: bool = False,
        *,
        source: Any = None,
        class_mapping: Optional[Mapping[str, int]] = None,
        embedder: Union[Embedder, Mapping[str, Any], None] = None,
        batch_size: int = 256,
        start_timestamp: float = DEFAULT_START_TIMESTAMP,
        timestamp_step: float = DEFAULT_TIMESTAMP_STEP,
    ) -> None:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        if (input_path is None) == (source is None):
            raise ValueError("give exactly one of input_path (an ImageFolder tree) and source")
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        if not (math.isfinite(start_timestamp) and math.isfinite(timestamp_step) and timestamp_step > 0):
            raise ValueError(
                f"need a finite start_timestamp and timestamp_step > 0, got {start_timestamp}, {timestamp_step}"
            )
        self.source = ImageFolderSource(input_path) if source is None else source
        self.seed = int(seed)
        self.compute_embeddings = bool(compute_embeddings)
        self.organize_by_class = bool(organize_by_class)
        self.labels = self._labels(class_mapping)
        self.class_mapping = dict(class_mapping) if class_mapping is not None else None
        self._embedder_spec = embedder if embedder is not None else {}
        self._embedder: Optional[Embedder] = embedder if isinstance(embedder, Embedder) else None
        self.batch_size = int(batch_size)
        self.start_timestamp = float(start_timestamp)
        self.timestamp_step = float(timestamp_step)
        self.transforms: list[TransformInfo] = []
        self.schedule = DriftSchedule("abrupt", 0)
        self.stream = SampleStream(self.seed, len(self.source))

    def _labels(self, class_mapping: Optional[Mapping[str, int]]) -> np.ndarray:
        classes = list(self.source.classes)
        if class_mapping is None:
            return np.arange(len(classes), dtype=np.int64)
        unknown = sorted(set(class_mapping) - set(classes))
        missing = [c for c in classes if c not in class_mapping]
        if unknown or missing:
            raise ValueError(
                f"class_mapping must map every class of the input to a label: unknown classes {unknown}, "
                f"unmapped classes {missing} (the input's classes: {classes})"
            )
        values = [class_mapping[c] for c in classes]
        if any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in values):
            raise ValueError(f"class_mapping labels must be integers, got {dict(class_mapping)}")
        return np.array(values, dtype=np.int64)

    # ------------------------------------------------------------------ drift set-up
    def add_abrupt_drift(self, transform_list: Sequence[TransformInfo], start: int = 0) -> None:
        """Drift every sample from stream position ``start`` on (0: all, as the reference)."""
        self._set_drift(transform_list, DriftSchedule("abrupt", start))

    def add_gradual_drift(self, transform_list: Sequence[TransformInfo], start: int, end: int) -> None:
        """Between positions ``start`` and ``end`` a growing share of samples (linear from 0 to
        1) is drawn from the drifted distribution; all samples after ``end``."""
        self._set_drift(transform_list, DriftSchedule("gradual", start, end))

    def add_incremental_drift(self, transform_list: Sequence[TransformInfo], start: int, end: int) -> None:
        """The drift levels ramp linearly from 0 at ``start`` to the given levels at ``end``."""
        self._set_drift(transform_list, DriftSchedule("incremental", start, end))

    def _set_drift(self, transform_list: Sequence[TransformInfo], schedule: DriftSchedule) -> None:
        """Replace the drift (one drift per generator; a new call supersedes the previous one)."""
        self.transforms = _check_transforms(transform_list)
        self.schedule = schedule

    # ------------------------------------------------------------------ the stream
    def embedder(self) -> Embedder:
        """The embedding model, built on first use and kept."""
        if self._embedder is None:
            self._embedder = Embedder(**dict(self._embedder_spec))
        return self._embedder

    def _drift_batch(self, images: Union[torch.Tensor, list], severity: np.ndarray) -> list[torch.Tensor]:
        """Drift a batch; images of different shapes are drifted per shape group, in order of
        first appearance."""
        if not self.transforms:
            return list(images)
        if isinstance(images, torch.Tensor):
            return list(apply_drift(images, self.transforms, self.stream.drift_generator, torch.from_numpy(severity)))
        groups: dict[tuple, list[int]] = {}
        for i, image in enumerate(images):
            groups.setdefault(tuple(image.shape), []).append(i)
        out: list[Optional[torch.Tensor]] = [None] * len(images)
        for members in groups.values():
            batch = torch.stack([images[i] for i in members])
            drifted = apply_drift(
                batch, self.transforms, self.stream.drift_generator, torch.from_numpy(severity[members])
            )
            for i, image in zip(members, drifted):
                out[i] = image
        return out

    def sample(
        self,
        num_samples: int,
        output_path: Union[str, Path],
        organize_by_class: Optional[bool] = None,
        overwrite: bool = False,
    ) -> GeneratedSet:
        """Generate the next ``num_samples`` samples of the stream into ``output_path``.

        ``organize_by_class`` overrides the constructor's choice for this call. An existing
        ``output_path`` is an error unless ``overwrite=True``; the folder appears complete or
        not at all.
        """
        if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) or num_samples < 1:
            raise ValueError(f"num_samples must be a positive integer, got {num_samples!r}")
        destination = check_destination(output_path, overwrite)
        by_class = self.organize_by_class if organize_by_class is None else bool(organize_by_class)
        embedder = self.embedder() if self.compute_embeddings else None
        state = self.stream.snapshot()
        try:
            with AtomicOutput(destination, overwrite) as output:
                first = self.stream.next_sample_id
                rows = self._generate(int(num_samples), output, by_class, embedder)
                self._write_tables(output, rows, embedder, by_class)
                path = output.commit()
        except BaseException:
            self.stream.restore(state)
            raise
        return GeneratedSet(path, first, int(num_samples), int(rows["drifted"].sum()), self.source.describe())

    def _generate(self, count: int, output: AtomicOutput, by_class: bool, embedder: Optional[Embedder]) -> dict:
        ids, indices = self.stream.take(count)
        severity = self.schedule.severity(ids, self.stream.schedule_rng) if self.transforms else np.zeros(count)
        classes = self.source.classes
        file_names, embeddings = [], []
        batches = range(0, count, self.batch_size)
        for start in progress(batches, f"generate {count} samples", len(batches), "batches"):
            stop = min(start + self.batch_size, count)
            images = self._drift_batch(self.source.load(indices[start:stop]), severity[start:stop])
            for sample_id, index, image in zip(ids[start:stop], indices[start:stop], images):
                name = f"{sample_id:08d}.png"
                if by_class:
                    name = f"{class_folder(classes[self.source.labels[index]])}/{name}"
                output.add_image(name, encode_png(image))
                file_names.append(name)
            if embedder is not None:
                embeddings.append(embedder(images).double().numpy())
        return {
            "sample_id": ids,
            "timestamp": self.start_timestamp + ids.astype(np.float64) * self.timestamp_step,
            "file_name": file_names,
            "index": indices,
            "severity": severity,
            "drifted": severity > 0,
            "embeddings": np.concatenate(embeddings) if embeddings else None,
        }

    def _write_tables(self, output: AtomicOutput, rows: dict, embedder: Optional[Embedder], by_class: bool) -> None:
        ids = pa.array(rows["sample_id"], type=pa.int64())
        times = pa.array(rows["timestamp"], type=pa.float64())
        class_index = self.source.labels[rows["index"]]
        output.write_table(
            MAPPING_NAME, pa.table({"sample_id": ids, "timestamp": times, "file_name": rows["file_name"]})
        )
        label = pa.array(self.labels[class_index], type=pa.int64())
        output.write_table(TARGET_NAME, pa.table({"sample_id": ids, "timestamp": times, "label": label}))
        drift = {
            "sample_id": ids,
            "timestamp": times,
            "source_file": [self.source.names[i] for i in rows["index"]],
            "class_name": [self.source.classes[c] for c in class_index],
            "severity": pa.array(rows["severity"], type=pa.float64()),
            "drifted": pa.array(rows["drifted"], type=pa.bool_()),
        }
        output.write_table(DRIFT_NAME, pa.table(drift))
        if embedder is not None:
            output.write_table(
                EMBEDDINGS_NAME, embedding_table(rows["sample_id"], rows["timestamp"], rows["embeddings"])
            )
        output.write_json(METADATA_NAME, self._metadata(rows, embedder, by_class))

    def _metadata(self, rows: dict, embedder: Optional[Embedder], by_class: bool) -> dict:
        return {
            "seed": self.seed,
            "source": self.source.describe(),
            "classes": list(self.source.classes),
            "labels": {c: int(v) for c, v in zip(self.source.classes, self.labels)},
            "class_mapping": self.class_mapping,
            "organize_by_class": by_class,
            "transforms": [{"transf_type": t.transf_type.name, "drift_level": t.drift_level} for t in self.transforms],
            "schedule": {"kind": self.schedule.kind, "start": self.schedule.start, "end": self.schedule.end},
            "first_sample_id": int(rows["sample_id"][0]),
            "num_samples": int(len(rows["sample_id"])),
            "num_drifted": int(rows["drifted"].sum()),
            "start_timestamp": self.start_timestamp,
            "timestamp_step": self.timestamp_step,
            "embedding": None
            if embedder is None
            else {
                "backbone": embedder.name,
                "dim": embedder.out_features,
                "image_size": embedder.image_size,
                "mean": [round(v, 6) for v in embedder.mean.flatten().tolist()],
                "std": [round(v, 6) for v in embedder.std.flatten().tolist()],
            },
        }
