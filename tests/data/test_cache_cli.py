"""``dalearn-data cache``: builds every list's cache of a generated tree with progress, reports
up-to-date caches, writes elsewhere with --cache-dir, and fails clearly on a missing tree."""

from __future__ import annotations

from dalearn.cli.data import main
from dalearn.data.benchmarks import benchmark_domain
from dalearn.data.benchmarks.fake_tree import make_fake_tree
from dalearn.data.cache import CachedImageList


def test_cache_command_builds_then_reports_up_to_date(tmp_path, capsys):
    root = make_fake_tree("office31", tmp_path / "office31", images_per_class=2, num_classes=3, size=(50, 40))
    assert main(["cache", "office31", "--root", str(root), "--side", "48"]) == 0
    captured = capsys.readouterr()
    out = captured.out
    for key in ("A", "D", "W"):
        assert f"{key} all: 6 images" in out
    assert out.count("built in") == 3 and "data.cache=auto" in out
    assert "[dalearn] cache amazon.txt: 100% (6/6 images" in captured.err
    assert len(list((root / ".dalearn-cache").glob("*.dlcache"))) == 3
    cached = benchmark_domain("office31", root, domain="W", cache="auto", cache_side=48)
    assert isinstance(cached, CachedImageList) and not cached.entry.built

    assert main(["cache", "office31", "--root", str(root), "--side", "48", "--domains", "A"]) == 0
    out = capsys.readouterr().out
    assert "A all: 6 images" in out and "up to date" in out and "D all" not in out


def test_cache_command_writes_to_another_folder(tmp_path, capsys):
    root = make_fake_tree("office31", tmp_path / "office31", images_per_class=1, num_classes=2, size=(50, 40))
    elsewhere = tmp_path / "scratch"
    assert main(["cache", "office31", "--root", str(root), "--cache-dir", str(elsewhere), "--domains", "D"]) == 0
    assert f"data.cache={elsewhere}" in capsys.readouterr().out
    assert len(list(elsewhere.glob("*.dlcache"))) == 1 and not (root / ".dalearn-cache").exists()


def test_cache_command_on_a_missing_tree_fails_with_the_layout(tmp_path, capsys):
    assert main(["cache", "office31", "--root", str(tmp_path / "nothing")]) == 1
    err = capsys.readouterr().err
    assert "is not ready" in err and "dalearn-data download office31" in err
