"""Fixtures for the data tests: small generated trees in the benchmark layouts and their
archives, and real image domains on disk (scikit-learn's digits) for the custom-domain tests."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest
from domain_fixtures import write_digit_folder, write_drift_folder

from dalearn.data.benchmarks.fake_tree import make_fake_tree


def tar_gz(root: Path, folder: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(root / folder, arcname=folder)
    return buffer.getvalue()


def zip_folder(root: Path, folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted((root / folder).rglob("*")):
            archive.write(path, path.relative_to(root).as_posix())
    return buffer.getvalue()


@pytest.fixture(scope="session")
def office31_archives(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The four Office-31 archives (image_list.zip, amazon.tgz, dslr.tgz, webcam.tgz) of a
    generated tree with 3 classes × 2 images per domain."""
    root = make_fake_tree("office31", tmp_path_factory.mktemp("office31_src"), images_per_class=2, num_classes=3)
    archives = {"image_list.zip": zip_folder(root, "image_list")}
    for folder in ("amazon", "dslr", "webcam"):
        archives[f"{folder}.tgz"] = tar_gz(root, folder)
    return archives


@pytest.fixture(scope="session", params=["office31", "office_home", "visda", "domainnet"])
def fake_tree(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """(name, root) of a generated tree in each benchmark's layout: 4 classes × 2 images."""
    name = request.param
    return name, make_fake_tree(name, tmp_path_factory.mktemp(name), images_per_class=2, num_classes=4)


@pytest.fixture(scope="session")
def digit_dirs(tmp_path_factory):
    """A source folder, a disjoint target folder, a validation folder and a drift folder."""
    root = tmp_path_factory.mktemp("digit_domains")
    source = write_digit_folder(root / "A", per_class=12)
    target = write_digit_folder(root / "B", per_class=8, offset=12)
    val = write_digit_folder(root / "A_val", per_class=3, offset=40)
    drift = write_drift_folder(target, root / "B_drift", samples=60)
    return {"root": root, "source": source, "target": target, "val": val, "drift": drift}
