"""dalearn-drift's config and entry point, the DriftedImageFolder reader, and training on a
generated folder as the target domain (data=drifted)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import torch
from drift_helpers import CLASSES, read, zip_images
from hydra import compose, initialize_config_dir

from dalearn.cli.drift import generate
from dalearn.drift.dataset import DriftedImageFolder
from dalearn.run.config import CONFIG_DIR


def _drift_cfg(*overrides: str):
    with initialize_config_dir(CONFIG_DIR, version_base="1.3"):
        return compose("drift/generate", overrides=list(overrides))


def test_generate_from_config(tree: Path, tmp_path: Path) -> None:
    cfg = _drift_cfg(
        f"input.path={tree}",
        f"output_path={tmp_path / 'out'}",
        "num_samples=9",
        "organize_by_class=true",
        "drift.kind=incremental",
        "drift.end=8",
        "drift.transforms.0.drift_level=0.8",
        "class_mapping={cat: 1, dog: 0, fox: 1}",
    )
    result = generate(cfg)
    assert result.num_samples == 9 and result.num_drifted == 8
    drift = read(tmp_path / "out", "drift")
    assert drift["severity"][0] == 0.0 and drift["severity"][-1] == 1.0
    assert read(tmp_path / "out", "target")["label"] == [{"cat": 1, "dog": 0, "fox": 1}[c] for c in drift["class_name"]]


@pytest.mark.parametrize(
    "overrides, error, message",
    [
        ([], ValueError, "exactly one of input.path"),
        (["input.dataset=digits", "drift.kind=sudden"], ValueError, "drift.kind"),
        (["input.dataset=digits", "drift.transforms.0.drift_level=2"], ValueError, "drift_level"),
        (["input.dataset=digits", "drift.transforms.0.transf_type=SHARPEN"], ValueError, "unknown image transform"),
        (["input.dataset=mnist"], ValueError, "unknown offline dataset"),
    ],
)
def test_config_errors_write_nothing(tmp_path: Path, overrides, error, message) -> None:
    cfg = _drift_cfg(f"output_path={tmp_path / 'out'}", "num_samples=3", "input.limit=5", *overrides)
    with pytest.raises(error, match=message):
        generate(cfg)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_console_script_writes_only_the_output(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "dalearn.cli.drift",
        "input.dataset=digits",
        "input.limit=12",
        "output_path=generated",
        "num_samples=12",
    ]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "wrote 12 samples (12 drifted)" in done.stdout
    assert [p.name for p in tmp_path.iterdir()] == ["generated"]
    assert len(read(tmp_path / "generated", "input_mapping")["sample_id"]) == 12


def test_existing_output_is_refused_then_replaced(tmp_path: Path) -> None:
    args = ("input.dataset=digits", "input.limit=6", f"output_path={tmp_path / 'out'}", "num_samples=4")
    generate(_drift_cfg(*args))
    with pytest.raises(FileExistsError, match="overwrite=true"):
        generate(_drift_cfg(*args, "num_samples=6"))
    assert len(read(tmp_path / "out", "target")["label"]) == 4
    generate(_drift_cfg(*args, "num_samples=6", "overwrite=true"))
    assert len(read(tmp_path / "out", "target")["label"]) == 6


def test_reader_returns_the_stored_images_and_labels(tree: Path, tmp_path: Path) -> None:
    generate(_drift_cfg(f"input.path={tree}", f"output_path={tmp_path / 'out'}", "num_samples=8"))
    stored = list(zip_images(tmp_path / "out").values())
    labels = read(tmp_path / "out", "target")["label"]
    data = DriftedImageFolder(tmp_path / "out")
    assert len(data) == 8 and data.classes == list(CLASSES) and data.targets == labels
    for k in (0, 7):
        image, label = data[k]
        assert label == labels[k]
        torch.testing.assert_close(image, stored[k], atol=0, rtol=0)
    gray, _ = DriftedImageFolder(tmp_path / "out", channels=1)[0]
    pil, _ = DriftedImageFolder(tmp_path / "out", image_type="pil")[0]
    assert gray.shape == (1, 16, 16) and pil.size == (16, 16) and pil.mode == "RGB"

    with zipfile.ZipFile(tmp_path / "out" / "sampled_images.zip") as archive:
        archive.extractall(tmp_path / "out" / "sampled_images")
    (tmp_path / "out" / "sampled_images.zip").unlink()
    torch.testing.assert_close(DriftedImageFolder(tmp_path / "out")[7][0], stored[7], atol=0, rtol=0)


def test_reader_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="generate it with dalearn-drift"):
        DriftedImageFolder(tmp_path / "missing")
    (tmp_path / "half").mkdir()
    with pytest.raises(FileNotFoundError, match="input_mapping.parquet is missing"):
        DriftedImageFolder(tmp_path / "half")
    with pytest.raises(ValueError, match="image_type"):
        DriftedImageFolder(tmp_path / "half", image_type="numpy")


@pytest.mark.slow
def test_training_on_a_generated_target(tmp_path: Path) -> None:
    from dalearn.run.training import train

    generate(
        _drift_cfg("input.dataset=digits", "input.limit=120", f"output_path={tmp_path / 'drifted'}", "num_samples=120")
    )
    with initialize_config_dir(CONFIG_DIR, version_base="1.3"):
        cfg = compose(
            "train",
            overrides=[
                "data=drifted",
                f"data.path={tmp_path / 'drifted'}",
                "data.source_dataset=digits",
                "method=dann",
                "trainer.max_epochs=1",
                "data.iters_per_epoch=3",
                f"paths.run_dir={tmp_path / 'run'}",
            ],
        )
    metrics, objects = train(cfg)
    assert objects["datamodule"].target["train"].path == tmp_path / "drifted"
    assert len(objects["datamodule"].target["train"]) == 120
    assert 0.0 <= metrics["tgt_acc"] <= 1.0 and (tmp_path / "run" / "metrics.json").is_file()


def test_reader_keeps_the_generator_label_space_for_a_small_sample(tree: Path, tmp_path: Path) -> None:
    generate(_drift_cfg(f"input.path={tree}", f"output_path={tmp_path / 'one'}", "num_samples=1"))
    data = DriftedImageFolder(tmp_path / "one")
    assert data.targets[0] < len(CLASSES) - 1, "the sample should miss the last class for this test to bite"
    assert data.classes == list(CLASSES)
