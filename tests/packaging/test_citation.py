"""CITATION.cff follows the Citation File Format 1.2.0: the keys the schema requires, with the
types and formats it gives them (checked by hand here, and by ``cffconvert --validate`` when that
tool is installed — it is not a dependency: it pins an old jsonschema)."""

from __future__ import annotations

import datetime
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

import dalearn

CITATION = Path(__file__).resolve().parents[2] / "CITATION.cff"


def test_citation_has_the_required_keys_with_their_types():
    data = yaml.safe_load(CITATION.read_text(encoding="utf-8"))
    assert data["cff-version"] == "1.2.0"
    for key in ("message", "title"):
        assert isinstance(data[key], str) and data[key].strip()
    assert isinstance(data["authors"], list) and data["authors"]
    for author in data["authors"]:  # a person (family-names / given-names) or an entity (name)
        assert {"name"} <= set(author) or {"family-names", "given-names"} <= set(author), author
    assert data["type"] in {"software", "dataset"}
    assert str(data["version"]) == dalearn.__version__
    assert isinstance(datetime.date.fromisoformat(str(data["date-released"])), datetime.date)
    assert data["license"] == "MIT"
    for key in ("repository-code", "url"):
        assert data[key].startswith("https://")
    assert set(data) <= {
        "cff-version", "message", "title", "authors", "type", "version", "date-released", "license",
        "repository-code", "url", "abstract", "keywords", "doi", "identifiers", "preferred-citation",
    }  # fmt: skip


@pytest.mark.skipif(shutil.which("cffconvert") is None, reason="cffconvert is not installed (optional)")
def test_cffconvert_validates_it():
    done = subprocess.run(["cffconvert", "--validate", "-i", str(CITATION)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
