"""A drift output carries dalearn's marker; ``overwrite=True`` replaces only such a folder, an
empty one, or an earlier version's output (nothing but the generator's files) — a folder that
merely holds an ``input_mapping.parquet`` beside someone's files is kept — and the output's
modes follow the umask."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dalearn.drift import ImageDatasetGenerator
from dalearn.io.ownership import MARKER, read_marker


def test_the_output_is_marked_and_honours_the_umask(tree: Path, tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        ImageDatasetGenerator(seed=0, input_path=tree).sample(3, tmp_path / "out")
    finally:
        os.umask(previous)
    out = tmp_path / "out"
    assert read_marker(out)["kind"] == "drift"
    assert oct(out.stat().st_mode & 0o777) == "0o755"
    assert {oct(p.stat().st_mode & 0o777) for p in out.iterdir()} == {"0o644"}


def test_an_earlier_versions_output_is_replaced_a_mixed_folder_is_kept(tree: Path, tmp_path: Path) -> None:
    gen = ImageDatasetGenerator(seed=0, input_path=tree)
    gen.sample(3, tmp_path / "old")
    (tmp_path / "old" / MARKER).unlink()  # as an earlier dalearn wrote it
    gen.sample(2, tmp_path / "old", overwrite=True)
    assert read_marker(tmp_path / "old")["kind"] == "drift"
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    (mixed / "input_mapping.parquet").write_bytes(b"looks like one")
    (mixed / "thesis.tex").write_text("keep")
    with pytest.raises(ValueError, match=r"not a drift generator output.*thesis.tex"):
        gen.sample(2, mixed, overwrite=True)
    assert sorted(p.name for p in mixed.iterdir()) == ["input_mapping.parquet", "thesis.tex"]
