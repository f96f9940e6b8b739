"""dalearn.io.ownership: a folder is written into or cleared only when it is new, empty, marked
as dalearn's folder of the same kind (and run), or recognised as an earlier version's; the
refusal names the folder, what it holds and what to do. replace_directory survives a second
process doing the same; path_part keeps names inside their folder."""

from __future__ import annotations

import json
import os
import threading

import pytest

from dalearn.io import atomic_path, atomic_write_text, temporary_sibling
from dalearn.io.atomic import current_umask
from dalearn.io.ownership import (
    MARKER,
    ForeignFolderError,
    claim,
    only_names,
    owned,
    path_part,
    read_marker,
    replace_directory,
    write_marker,
)


def test_a_new_folder_is_created_and_marked(tmp_path):
    folder = claim(tmp_path / "a" / "run", "run", "do something else", run_hash="abcd1234")
    body = json.loads((folder / MARKER).read_text())
    assert body["kind"] == "run" and body["run_hash"] == "abcd1234" and owned(folder, "run", run_hash="abcd1234")
    assert claim(folder, "run", "x", run_hash="abcd1234") == folder


def test_an_empty_folder_or_one_with_ignored_entries_is_adopted(tmp_path):
    (tmp_path / "empty").mkdir()
    claim(tmp_path / "empty", "analysis", "x")
    (tmp_path / "launched" / ".hydra").mkdir(parents=True)
    claim(tmp_path / "launched", "run", "x", ignore=(".hydra",), run_hash="1")
    assert read_marker(tmp_path / "launched")["kind"] == "run"


def test_a_folder_with_other_files_is_refused_before_anything_changes(tmp_path):
    folder = tmp_path / "thesis"
    folder.mkdir()
    (folder / "thesis.tex").write_text("keep")
    with pytest.raises(ForeignFolderError) as error:
        claim(folder, "analysis", "give --out a new folder")
    message = str(error.value)
    assert str(folder) in message and "thesis.tex" in message and "give --out a new folder" in message
    assert sorted(p.name for p in folder.iterdir()) == ["thesis.tex"]


def test_another_kind_or_another_run_is_refused(tmp_path):
    write_marker(tmp_path / "run", "run", run_hash="aaaa0000")
    with pytest.raises(ForeignFolderError, match=r"is a dalearn run folder of run aaaa0000 .*not a dalearn analysis"):
        claim(tmp_path / "run", "analysis", "x")
    with pytest.raises(ForeignFolderError, match=r"run aaaa0000.*run_hash bbbb1111"):
        claim(tmp_path / "run", "run", "x", run_hash="bbbb1111")


def test_an_earlier_versions_folder_is_recognised_by_its_contents(tmp_path):
    folder = tmp_path / "old"
    folder.mkdir()
    (folder / "summary.json").write_text("{}")
    claim(folder, "analysis", "x", legacy=only_names(["summary.json", "index.html"]))
    assert owned(folder, "analysis")
    (tmp_path / "mixed").mkdir()
    (tmp_path / "mixed" / "summary.json").write_text("{}")
    (tmp_path / "mixed" / "notes.txt").write_text("mine")
    with pytest.raises(ForeignFolderError):
        claim(tmp_path / "mixed", "analysis", "x", legacy=only_names(["summary.json"]))


def test_a_file_or_a_symlink_in_the_way_is_refused(tmp_path):
    (tmp_path / "file").write_text("x")
    (tmp_path / "target").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "target")
    for path in (tmp_path / "file", tmp_path / "link"):
        with pytest.raises(ForeignFolderError, match="is not a folder"):
            claim(path, "cache", "x")


def staged(tmp_path, name: str, content: str):
    staging = temporary_sibling(tmp_path / "out", directory=True)
    (staging / "result.txt").write_text(content)
    write_marker(staging, "analysis")
    return staging


def test_replace_directory_swaps_an_owned_folder_and_keeps_a_foreign_one(tmp_path):
    replace_directory(staged(tmp_path, "a", "first"), tmp_path / "out", "analysis", "x")
    replace_directory(staged(tmp_path, "b", "second"), tmp_path / "out", "analysis", "x")
    assert (tmp_path / "out" / "result.txt").read_text() == "second"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"], "no temporary left"
    (tmp_path / "out" / MARKER).unlink()
    (tmp_path / "out" / "mine.txt").write_text("keep")
    staging = staged(tmp_path, "c", "third")
    with pytest.raises(ForeignFolderError):
        replace_directory(staging, tmp_path / "out", "analysis", "x")
    assert (tmp_path / "out" / "mine.txt").read_text() == "keep"


def test_two_writers_replacing_the_same_folder_at_once_never_fail(tmp_path):
    """Two threads publish 40 outputs each into one folder: no ENOTEMPTY (Errno 39), no
    exception, and the folder ends as one complete output."""
    errors = []

    def writer(tag: str) -> None:
        try:
            for index in range(40):
                replace_directory(staged(tmp_path, tag, f"{tag}{index}"), tmp_path / "out", "analysis", "x")
        except Exception as error:  # pragma: no cover - the failure being tested for
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(tag,)) for tag in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert (tmp_path / "out" / "result.txt").read_text() in ("a39", "b39")
    assert owned(tmp_path / "out", "analysis")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize("value", ["../x", "a/b", "/abs", "..", ".", "", "a\\b", "x\0y"])
def test_a_name_that_leaves_its_folder_is_refused(value):
    with pytest.raises(ValueError, match=r"method.name=.* cannot be a folder name"):
        path_part(value, "method.name")


def test_plain_names_pass():
    assert path_part("office31_A2W", "data.name") == "office31_A2W" and path_part(0, "seed") == "0"


@pytest.fixture(params=[0o022, 0o027, 0o002])
def umask(request):
    previous = os.umask(request.param)
    yield request.param
    os.umask(previous)


def test_atomic_writes_honour_the_umask(tmp_path, umask):
    assert current_umask() == umask
    atomic_write_text(tmp_path / "sub" / "metrics.json", "{}\n")
    with atomic_path(tmp_path / "best.ckpt") as partial:
        partial.write_bytes(b"x")
    folder = replace_directory(staged(tmp_path, "a", "x"), tmp_path / "out", "analysis", "x")
    assert oct((tmp_path / "sub" / "metrics.json").stat().st_mode & 0o777) == oct(0o666 & ~umask)
    assert oct((tmp_path / "best.ckpt").stat().st_mode & 0o777) == oct(0o666 & ~umask)
    assert oct(folder.stat().st_mode & 0o777) == oct(0o777 & ~umask)
    assert oct((folder / MARKER).stat().st_mode & 0o777) == oct(0o666 & ~umask)
    sibling = temporary_sibling(tmp_path / "x", directory=True)
    assert oct(sibling.stat().st_mode & 0o777) == oct(0o777 & ~umask)


def test_a_folder_that_keeps_changing_while_read_is_refused_not_misread(tmp_path, monkeypatch):
    """A listing taken while another process moves the folder aside and empties it may be empty
    or partial: claim looks again, and refuses (naming the folder) rather than mark or judge it."""
    import dalearn.io.ownership as ownership

    replace_directory(staged(tmp_path, "a", "first"), tmp_path / "out", "analysis", "x")
    monkeypatch.setattr(ownership, "_changed", lambda before, after: True)
    with pytest.raises(ForeignFolderError, match=r"out kept changing while dalearn read it"):
        claim(tmp_path / "out", "analysis", "x")
    assert (tmp_path / "out" / "result.txt").read_text() == "first"
