"""ImageDatasetGenerator: output files and schemas, the stream across calls, determinism,
schedules, atomic writes and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch
from drift_helpers import CLASSES, PER_CLASS, read, source_image, zip_images

from dalearn.data.offline_source import OfflineSource
from dalearn.drift import ImageDatasetGenerator, ImageTransform, TransformInfo
from dalearn.drift import output as drift_output
from dalearn.drift.embeddings import Embedder
from dalearn.drift.generator import DEFAULT_START_TIMESTAMP, DEFAULT_TIMESTAMP_STEP, class_folder

NOISE = [TransformInfo(ImageTransform.GAUSSIAN_NOISE, 0.6)]


def test_output_files_schemas_and_rows(tree: Path, tmp_path: Path) -> None:
    gen = ImageDatasetGenerator(seed=3, input_path=tree)
    gen.add_abrupt_drift(NOISE)
    result = gen.sample(7, tmp_path / "out")
    out = tmp_path / "out"
    assert result.num_samples == 7 and result.num_drifted == 7 and result.first_sample_id == 0
    assert sorted(p.name for p in out.iterdir()) == [
        ".dalearn-owner.json",
        "drift.parquet",
        "input_mapping.parquet",
        "metadata.json",
        "sampled_images.zip",
        "target.parquet",
    ]
    schemas = {
        "input_mapping": [("sample_id", pa.int64()), ("timestamp", pa.float64()), ("file_name", pa.string())],
        "target": [("sample_id", pa.int64()), ("timestamp", pa.float64()), ("label", pa.int64())],
    }
    for name, fields in schemas.items():
        schema = pq.read_schema(out / f"{name}.parquet")
        assert [(f.name, f.type) for f in schema] == fields
    mapping, target, drift = read(out, "input_mapping"), read(out, "target"), read(out, "drift")
    assert mapping["sample_id"] == target["sample_id"] == drift["sample_id"] == list(range(7))
    assert mapping["timestamp"] == [DEFAULT_START_TIMESTAMP + i * DEFAULT_TIMESTAMP_STEP for i in range(7)]
    assert list(zip_images(out)) == mapping["file_name"]
    assert mapping["file_name"][0] == "00000000.png"
    for source_file, label in zip(drift["source_file"], target["label"]):
        assert CLASSES[label] == source_file.split("/")[0]
    assert drift["severity"] == [1.0] * 7 and drift["drifted"] == [True] * 7


def test_organize_by_class_and_class_mapping(tree: Path, tmp_path: Path) -> None:
    mapping = {"cat": 5, "dog": 7, "fox": 5}
    gen = ImageDatasetGenerator(seed=0, input_path=tree, organize_by_class=True, class_mapping=mapping)
    gen.sample(6, tmp_path / "out")
    names = read(tmp_path / "out", "input_mapping")["file_name"]
    drift = read(tmp_path / "out", "drift")
    assert [n.split("/")[0] for n in names] == drift["class_name"]
    assert read(tmp_path / "out", "target")["label"] == [mapping[c] for c in drift["class_name"]]
    gen.sample(3, tmp_path / "flat", organize_by_class=False)
    assert all("/" not in n for n in read(tmp_path / "flat", "input_mapping")["file_name"])
    assert class_folder("T-shirt/top") == "T-shirt_top" and class_folder("../..") == "_"


def test_clean_stream_reproduces_source_pixels(tree: Path, tmp_path: Path) -> None:
    gen = ImageDatasetGenerator(seed=1, input_path=tree)
    gen.add_abrupt_drift(NOISE, start=4)
    gen.sample(8, tmp_path / "out")
    images = list(zip_images(tmp_path / "out").values())
    drift = read(tmp_path / "out", "drift")
    assert drift["severity"] == [0.0] * 4 + [1.0] * 4
    for image, source_file, drifted in zip(images, drift["source_file"], drift["drifted"]):
        clean = source_image(tree, source_file)
        difference = (image - clean).abs().mean().item()
        assert (difference > 0.05) if drifted else (difference == 0.0)


def test_consecutive_calls_neither_repeat_nor_skip(tree: Path, tmp_path: Path) -> None:
    total = len(CLASSES) * PER_CLASS
    gen = ImageDatasetGenerator(seed=5, input_path=tree)
    for k in range(3):
        gen.sample(5, tmp_path / f"part{k}")
    ids = sum((read(tmp_path / f"part{k}", "drift")["sample_id"] for k in range(3)), [])
    files = sum((read(tmp_path / f"part{k}", "drift")["source_file"] for k in range(3)), [])
    assert ids == list(range(15))
    assert len(set(files[:total])) == total, "every image once before any repeats"
    assert len(set(files[total:])) == 15 - total
    single = ImageDatasetGenerator(seed=5, input_path=tree)
    single.sample(15, tmp_path / "whole")
    assert read(tmp_path / "whole", "drift")["source_file"] == files


def test_same_seed_same_bytes_other_seed_other_images(tree: Path, tmp_path: Path) -> None:
    for name, seed in (("a", 11), ("b", 11), ("c", 12)):
        gen = ImageDatasetGenerator(seed=seed, input_path=tree)
        gen.add_abrupt_drift([TransformInfo(ImageTransform.ROTATE, 0.5), *NOISE])
        gen.sample(6, tmp_path / name)
    for file in ("sampled_images.zip", "input_mapping.parquet", "target.parquet", "drift.parquet"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes(), file
    assert (tmp_path / "a" / "sampled_images.zip").read_bytes() != (tmp_path / "c" / "sampled_images.zip").read_bytes()


def test_gradual_and_incremental_schedules(tree: Path, tmp_path: Path) -> None:
    gradual = ImageDatasetGenerator(seed=2, input_path=tree)
    gradual.add_gradual_drift(NOISE, start=10, end=50)
    gradual.sample(60, tmp_path / "gradual")
    severity = read(tmp_path / "gradual", "drift")["severity"]
    assert set(severity) == {0.0, 1.0}
    assert severity[:11] == [0.0] * 11 and severity[50:] == [1.0] * 10
    assert 0 < sum(severity[10:30]) < sum(severity[30:50]) < 20

    incremental = ImageDatasetGenerator(seed=2, input_path=tree)
    incremental.add_incremental_drift(NOISE, start=2, end=10)
    incremental.sample(12, tmp_path / "incremental")
    drift = read(tmp_path / "incremental", "drift")
    assert drift["severity"] == pytest.approx([0, 0, 0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1, 1])
    images = list(zip_images(tmp_path / "incremental").values())
    change = [(img - source_image(tree, f)).abs().mean().item() for img, f in zip(images, drift["source_file"])]
    assert change[:3] == [0.0] * 3
    assert change[3] < change[6] < change[10]


def test_embeddings_match_the_stored_images(tree: Path, tmp_path: Path) -> None:
    embedder = Embedder("lenet", image_size=28, batch_size=4)
    gen = ImageDatasetGenerator(seed=0, input_path=tree, compute_embeddings=True, embedder=embedder)
    gen.add_abrupt_drift([TransformInfo(ImageTransform.BRIGHTNESS, 0.2)])
    gen.sample(9, tmp_path / "out")
    table = pq.read_table(tmp_path / "out" / "embeddings.parquet")
    assert [f.name for f in table.schema] == ["sample_id", "timestamp", "embedding"]
    assert table.schema.field("embedding").type == pa.list_(pa.float64(), embedder.out_features)
    stored = torch.tensor(table.column("embedding").to_pylist())
    again = embedder(list(zip_images(tmp_path / "out").values())).double()
    assert stored.shape == (9, 1024)
    assert ((stored - again).norm(dim=1) / again.norm(dim=1)).max() < 0.02
    metadata = json.loads((tmp_path / "out" / "metadata.json").read_text())
    assert metadata["embedding"]["backbone"] == "lenet" and metadata["embedding"]["dim"] == 1024


def test_mixed_sizes_and_grayscale_files(tree: Path, tmp_path: Path) -> None:
    from PIL import Image

    Image.new("L", (9, 13), color=90).save(tree / "cat" / "gray.png")
    Image.new("RGB", (20, 11), color=(10, 200, 30)).save(tree / "dog" / "wide.jpg")
    gen = ImageDatasetGenerator(seed=0, input_path=tree)
    gen.add_abrupt_drift([TransformInfo(ImageTransform.DEFAULT, 0.3)])
    gen.sample(14, tmp_path / "out")
    shapes = {
        f: img.shape
        for f, img in zip(read(tmp_path / "out", "drift")["source_file"], zip_images(tmp_path / "out").values())
    }
    assert shapes["cat/gray.png"] == (1, 13, 9) and shapes["dog/wide.jpg"] == (3, 11, 20)


def test_offline_source(tmp_path: Path) -> None:
    gen = ImageDatasetGenerator(0, source=OfflineSource("digits", split="test", limit=40))
    gen.add_abrupt_drift([TransformInfo(ImageTransform.DEFAULT, 0.5)])
    gen.sample(40, tmp_path / "out")
    drift = read(tmp_path / "out", "drift")
    assert len(set(drift["source_file"])) == 40 and drift["source_file"][0].startswith("digits/test/")
    assert {img.shape for img in zip_images(tmp_path / "out").values()} == {(1, 28, 28)}


def test_existing_output_needs_overwrite(tree: Path, tmp_path: Path) -> None:
    gen = ImageDatasetGenerator(seed=0, input_path=tree)
    gen.sample(3, tmp_path / "out")
    before = (tmp_path / "out" / "sampled_images.zip").read_bytes()
    with pytest.raises(FileExistsError, match="overwrite=True"):
        gen.sample(3, tmp_path / "out")
    assert (tmp_path / "out" / "sampled_images.zip").read_bytes() == before
    result = gen.sample(4, tmp_path / "out", overwrite=True)
    assert result.first_sample_id == 3, "the refused call must not consume the stream"
    assert read(tmp_path / "out", "input_mapping")["sample_id"] == [3, 4, 5, 6]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["input", "out"]
    (tmp_path / "precious").mkdir()
    (tmp_path / "precious" / "thesis.tex").write_text("keep")
    with pytest.raises(ValueError, match="not a drift generator output"):
        gen.sample(2, tmp_path / "precious", overwrite=True)
    assert (tmp_path / "precious" / "thesis.tex").read_text() == "keep"


def test_failure_midway_writes_nothing_and_keeps_the_stream(tree: Path, tmp_path: Path, monkeypatch) -> None:
    gen = ImageDatasetGenerator(seed=4, input_path=tree, batch_size=2)
    gen.add_abrupt_drift(NOISE)
    calls = {"n": 0}
    real_encode = drift_output.encode_png

    def failing(image):
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("disk full")
        return real_encode(image)

    monkeypatch.setattr("dalearn.drift.generator.encode_png", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        gen.sample(6, tmp_path / "new" / "folders" / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["input"], "no output, no temporary or parent folder"
    monkeypatch.setattr("dalearn.drift.generator.encode_png", real_encode)
    gen.sample(6, tmp_path / "out")
    fresh = ImageDatasetGenerator(seed=4, input_path=tree, batch_size=2)
    fresh.add_abrupt_drift(NOISE)
    fresh.sample(6, tmp_path / "fresh")
    assert (tmp_path / "out" / "sampled_images.zip").read_bytes() == (
        tmp_path / "fresh" / "sampled_images.zip"
    ).read_bytes()


def test_an_output_that_appears_while_generating_is_not_replaced(tree: Path, tmp_path: Path, monkeypatch) -> None:
    gen = ImageDatasetGenerator(seed=0, input_path=tree)
    real_commit = drift_output.AtomicOutput.commit

    def racing_commit(self):
        self.destination.mkdir()
        (self.destination / "input_mapping.parquet").write_text("another process's output")
        return real_commit(self)

    monkeypatch.setattr(drift_output.AtomicOutput, "commit", racing_commit)
    with pytest.raises(FileExistsError, match="already exists"):
        gen.sample(3, tmp_path / "out")
    assert (tmp_path / "out" / "input_mapping.parquet").read_text() == "another process's output"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["input", "out"]


def test_bad_input_raises_and_writes_nothing(tree: Path, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        ImageDatasetGenerator(seed=0, input_path=tmp_path / "nowhere")
    (tmp_path / "empty" / "cat").mkdir(parents=True)
    (tmp_path / "empty" / "cat" / "notes.txt").write_text("not an image")
    with pytest.raises(ValueError, match="holds no images"):
        ImageDatasetGenerator(seed=0, input_path=tmp_path / "empty")
    gen = ImageDatasetGenerator(seed=0, input_path=tree)
    with pytest.raises(ValueError, match="drift_level"):
        gen.add_abrupt_drift([TransformInfo(ImageTransform.HUE, 1.5)])
    with pytest.raises(ValueError, match="unknown image transform"):
        gen.add_abrupt_drift([TransformInfo("sharpen", 0.5)])
    with pytest.raises(ValueError, match="empty"):
        gen.add_abrupt_drift([])
    with pytest.raises(ValueError, match="end position"):
        gen.add_gradual_drift(NOISE, start=10, end=10)
    with pytest.raises(ValueError, match="unmapped classes \\['fox'\\]"):
        ImageDatasetGenerator(seed=0, input_path=tree, class_mapping={"cat": 0, "dog": 1})
    with pytest.raises(ValueError, match="num_samples"):
        gen.sample(0, tmp_path / "out")
    (tree / "dog" / "broken.png").write_bytes(b"not a png")
    broken = ImageDatasetGenerator(seed=0, input_path=tree)
    with pytest.raises(ValueError, match="cannot decode input image .*broken.png"):
        broken.sample(len(CLASSES) * PER_CLASS + 1, tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "input"]
