"""A decoded-image cache is built only in a cache folder dalearn made: a new folder is created
with its marker and the umask's modes; a ``data.cache`` folder holding other files is refused
before any decoding, naming it; a cache folder of an earlier version (only cache files) is
adopted; reading an existing cache writes nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dalearn.data.benchmarks import benchmark_domain
from dalearn.data.benchmarks.fake_tree import make_fake_tree
from dalearn.io.ownership import MARKER, ForeignFolderError, read_marker


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return make_fake_tree("office31", tmp_path / "office31", images_per_class=2, num_classes=3, size=(40, 30))


def test_a_new_cache_folder_is_marked_and_honours_the_umask(tree, tmp_path):
    folder = tmp_path / "cache"
    previous = os.umask(0o022)
    try:
        images = benchmark_domain("office31", tree, domain="A", cache=str(folder))
    finally:
        os.umask(previous)
    assert len(images) == 6 and read_marker(folder)["kind"] == "cache"
    caches = list(folder.glob("*.dlcache"))
    assert len(caches) == 1 and oct(caches[0].stat().st_mode & 0o777) == "0o644"
    assert oct(folder.stat().st_mode & 0o777) == "0o755"


def test_a_cache_folder_with_other_files_is_refused_before_decoding(tree, tmp_path):
    folder = tmp_path / "home"
    folder.mkdir()
    (folder / "thesis.tex").write_text("keep")
    with pytest.raises(ForeignFolderError, match=r"home already holds files dalearn did not write \(thesis.tex\)"):
        benchmark_domain("office31", tree, domain="A", cache=str(folder))
    assert sorted(p.name for p in folder.iterdir()) == ["thesis.tex"]


def test_an_earlier_versions_cache_folder_is_adopted_and_a_built_cache_is_read_without_writing(tree, tmp_path):
    folder = tmp_path / "cache"
    benchmark_domain("office31", tree, domain="A", cache=str(folder))
    (folder / MARKER).unlink()  # as an earlier dalearn left it: cache files and their locks only
    assert all(p.name.endswith((".dlcache", ".dlcache.lock")) for p in folder.iterdir())
    benchmark_domain("office31", tree, domain="A", cache=str(folder))  # read, nothing built
    assert not (folder / MARKER).exists()
    benchmark_domain("office31", tree, domain="W", cache=str(folder))  # a build: the folder is adopted
    assert read_marker(folder)["kind"] == "cache"
