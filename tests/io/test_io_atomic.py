"""dalearn.io.atomic: a reader never sees half a file, a failed write leaves nothing, and the
leftovers of a killed writer are removed by the next one (and only those)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from dalearn.io import atomic_directory, atomic_path, atomic_write_json, atomic_write_text, remove_stale_temporaries


def test_write_replaces_whole_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "sub" / "metrics.json"
    atomic_write_json(target, {"b": 1, "a": [1, 2]})
    assert json.loads(target.read_text()) == {"a": [1, 2], "b": 1}
    assert target.read_text().endswith("\n") and target.read_text().index('"a"') < target.read_text().index('"b"')
    assert sorted(p.name for p in target.parent.iterdir()) == ["metrics.json"]


def test_failed_write_keeps_old_file_and_removes_temporary(tmp_path):
    target = tmp_path / "config.yaml"
    atomic_write_text(target, "old\n")
    with pytest.raises(RuntimeError, match="disk gone"):
        with atomic_path(target) as partial:
            partial.write_text("half")
            raise RuntimeError("disk gone")
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yaml"]


def test_atomic_directory_appears_whole_or_not_at_all(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(ValueError):
        with atomic_directory(out) as staging:
            (staging / "a.txt").write_text("a")
            raise ValueError("stop")
    assert not out.exists() and list(tmp_path.iterdir()) == []
    with atomic_directory(out) as staging:
        (staging / "a.txt").write_text("a")
    assert (out / "a.txt").read_text() == "a" and [p.name for p in tmp_path.iterdir()] == ["out"]


def test_stale_temporaries_of_a_killed_writer_are_removed_live_ones_kept(tmp_path):
    target = tmp_path / "last.ckpt"
    # a child process starts an atomic write and is killed (SIGKILL) before it renames
    script = (
        "import os, sys\n"
        "from dalearn.io import atomic_path\n"
        f"with atomic_path({str(target)!r}) as p:\n"
        "    p.write_bytes(b'x' * 10)\n"
        "    os.kill(os.getpid(), 9)\n"
    )
    subprocess.run([sys.executable, "-c", script], check=False)
    leftovers = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(leftovers) == 1 and not target.exists()
    with atomic_path(tmp_path / "best.ckpt") as live:
        live.write_bytes(b"y")
        removed = remove_stale_temporaries(tmp_path)
        assert removed == leftovers
        assert live.exists(), "the temporary of a live writer (this process) must be kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.ckpt"]


def test_foreign_and_unrelated_files_are_never_removed(tmp_path):
    (tmp_path / ".x.otherhost.1.abc.tmp").write_text("other host")
    (tmp_path / "notes.tmp").write_text("not ours")
    assert remove_stale_temporaries(tmp_path) == []
    assert len(list(tmp_path.iterdir())) == 2
    assert remove_stale_temporaries(tmp_path / "missing") == []
    assert os.getpid() > 0
