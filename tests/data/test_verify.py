"""dalearn-data verify: existence, decoding, labels and counts of every list entry."""

from __future__ import annotations

from dalearn.cli.data import main
from dalearn.data.benchmarks import get_benchmark
from dalearn.data.benchmarks.fake_tree import make_fake_tree
from dalearn.data.verify import verify_dataset


def test_complete_tree_passes_and_counts_are_compared(tmp_path, capsys):
    root = make_fake_tree("office31", tmp_path, images_per_class=2, num_classes=3)
    assert main(["verify", "office31", "--root", str(root), "--ignore-counts"]) == 0
    assert "OK: all 3 lists, 18 images exist and decode." in capsys.readouterr().out
    assert main(["verify", "office31", "--root", str(root)]) == 1
    assert "A/all: 6 entries, the published list has 2817" in capsys.readouterr().out


def test_missing_corrupt_and_mislabelled_entries_are_reported(tmp_path, capsys):
    root = make_fake_tree("domainnet", tmp_path, images_per_class=2, num_classes=3)
    sketch = root / "sketch" / "airplane"
    victim = sorted(sketch.glob("sketch_test_*.jpg"))[0]
    victim.unlink()
    truncated = sorted(sketch.glob("sketch_train_*.jpg"))[0]
    truncated.write_bytes(truncated.read_bytes()[:300])
    with open(root / "image_list" / "real_test.txt", "a") as handle:
        handle.write("real/airplane/real_test_0000.jpg 345\n")

    reports = {(r.domain, r.split): r for r in verify_dataset(get_benchmark("domainnet"), root, check_counts=False)}
    assert reports["s", "test"].missing == [str(victim)]
    assert [path for path, _ in reports["s", "train"].undecodable] == [str(truncated)]
    assert reports["r", "test"].bad_labels == [(str(root / "real/airplane/real_test_0000.jpg"), 345)]
    assert [key for key, r in reports.items() if not r.ok] == [("r", "test"), ("s", "train"), ("s", "test")]

    assert main(["verify", "domainnet", "--root", str(root), "--ignore-counts", "--domains", "s", "r"]) == 1
    out = capsys.readouterr().out
    assert f"s/test: missing {victim}" in out
    assert f"s/train: cannot decode {truncated}" in out
    assert "label 345 out of range" in out
    assert f"Incomplete image folders: {root / 'sketch'} — delete them" in out


def test_no_decode_only_checks_existence(tmp_path, capsys):
    root = make_fake_tree("visda", tmp_path, images_per_class=1, num_classes=2)
    broken = next((root / "validation").rglob("*.jpg"))
    broken.write_bytes(b"not an image")
    assert main(["verify", "visda", "--root", str(root), "--ignore-counts", "--no-decode"]) == 0
    assert "exist (not decoded)" in capsys.readouterr().out
    assert main(["verify", "visda", "--root", str(root), "--ignore-counts"]) == 1


def test_missing_list_file(tmp_path, capsys):
    assert main(["verify", "office_home", "--root", str(tmp_path), "--ignore-counts"]) == 1
    out = capsys.readouterr().out
    assert "NO LIST" in out and f"{tmp_path / 'image_list' / 'Art.txt'} is missing" in out


def test_an_empty_list_fails_and_names_the_list_file(tmp_path, capsys):
    root = make_fake_tree("office31", tmp_path, images_per_class=1, num_classes=2)
    empty = root / "image_list" / "dslr.txt"
    empty.write_text("\n\n", encoding="utf-8")
    assert main(["verify", "office31", "--root", str(root), "--ignore-counts"]) == 1
    out = capsys.readouterr().out
    assert f"D/all: {empty} lists no images (it is empty)" in out
    assert "FAILED: 1 of 3 lists have problems." in out and "OK:" not in out


def test_progress_in_a_log_is_a_few_lines_not_a_bar(tmp_path, capsys):
    root = make_fake_tree("office31", tmp_path, images_per_class=20, num_classes=2)  # 120 images
    assert main(["verify", "office31", "--root", str(root), "--ignore-counts"]) == 0
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("[dalearn] verify office31:")]
    assert 5 <= len(lines) <= 21 and "\r" not in err
    assert lines[-1].startswith("[dalearn] verify office31: 100% (120/120 images")
