"""The wheel and the sdist a release uploads: built from the source tree (``python -m build``,
which builds the sdist and then the wheel from it), with the licence, the configs and the recipe
tables in, the tests out, and metadata that says MIT, this version and a light core."""

from __future__ import annotations

import email.parser
import importlib.util
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import dalearn

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = {"dalearn-train", "dalearn-eval", "dalearn-collect", "dalearn-select", "dalearn-data", "dalearn-drift", "dalearn-analyze", "dalearn-recipes"}  # fmt: skip

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("wheel"),  # one worker builds the module's wheel, not each
    pytest.mark.skipif(importlib.util.find_spec("build") is None, reason="needs `build` (the dev extra)"),
]


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )  # --no-isolation: offline, with the installed setuptools, after checking it meets build-system.requires
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return out


def _wheel(dist: Path) -> zipfile.ZipFile:
    (wheel,) = dist.glob("dalearn-*.whl")
    return zipfile.ZipFile(wheel)


def test_wheel_metadata(dist):
    with _wheel(dist) as wheel:
        info = f"dalearn-{dalearn.__version__}.dist-info"
        meta = email.parser.Parser().parsestr(wheel.read(f"{info}/METADATA").decode())
        entry_points = wheel.read(f"{info}/entry_points.txt").decode()
    assert meta["Name"] == "dalearn" and meta["Version"] == dalearn.__version__
    assert meta["License-Expression"] == "MIT" and meta.get_all("License-File") == ["LICENSE"]
    assert "License" not in meta, "the deprecated License field is gone (an SPDX expression replaces it)"
    core = [Requirement(r) for r in meta.get_all("Requires-Dist") if "extra ==" not in r]
    assert len(core) <= 5 and {r.name for r in core} == {"torch", "torchmetrics", "numpy", "tqdm"}
    extras = set(meta.get_all("Provides-Extra"))
    assert {"train", "analysis", "drift", "cluster", "tensorboard", "mlflow", "wandb", "docs", "all", "dev"} <= extras
    urls = dict(line.split(", ", 1) for line in meta.get_all("Project-URL"))
    assert urls["Homepage"].startswith("https://github.com/") and "Documentation" in urls
    assert any(c.startswith("Programming Language :: Python :: 3") for c in meta.get_all("Classifier"))
    assert {line.split("=")[0].strip() for line in entry_points.splitlines() if "=" in line} == SCRIPTS


def test_wheel_contents(dist):
    with _wheel(dist) as wheel:
        names = set(wheel.namelist())
        licence = wheel.read(f"dalearn-{dalearn.__version__}.dist-info/licenses/LICENSE").decode()
    assert licence == (ROOT / "LICENSE").read_text(encoding="utf-8") and "MIT License" in licence
    for shipped in [
        "dalearn/conf/train.yaml",
        "dalearn/conf/eval.yaml",
        "dalearn/conf/method/dann.yaml",
        "dalearn/recipes/office31.yaml",
        "dalearn/recipes/offline.yaml",
        "dalearn/_extras.py",
    ]:
        assert shipped in names, shipped
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/", "docs/")) or "/tests/" in n]
    assert not [n for n in names if n.endswith((".pyc", ".ckpt"))]


def test_sdist_contents(dist):
    (sdist,) = dist.glob("dalearn-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {
        "LICENSE",
        "CHANGELOG.md",
        "CITATION.cff",
        "pyproject.toml",
        "README.md",
        "dalearn/conf/train.yaml",
    } <= names
    assert not [n for n in names if n.startswith("tests/")]
