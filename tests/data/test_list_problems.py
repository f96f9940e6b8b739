"""An empty list file in a benchmark root stops the run when the data is built, naming the
file (not later with "lower data.batch_size"); and ``verify`` advises downloading only for
what is absent — labels that do not fit mean the list itself is wrong, which a download (it
fetches only what is absent) would not change."""

from __future__ import annotations

import pytest

from dalearn.data.benchmarks import benchmark_domain, get_benchmark
from dalearn.data.benchmarks.domains import DatasetNotReadyError
from dalearn.data.benchmarks.fake_tree import make_fake_tree
from dalearn.data.image_list import ImageList, ImageListError
from dalearn.data.verify import format_report, verify_dataset


def test_an_empty_benchmark_list_fails_at_once_naming_the_file(tmp_path):
    root = make_fake_tree("office31", tmp_path, images_per_class=1, num_classes=2)
    empty = root / "image_list" / "webcam.txt"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(DatasetNotReadyError, match=rf"the list {empty} names no images \(it is empty\)"):
        benchmark_domain("office31", root, domain="W")
    with pytest.raises(ImageListError, match=rf"{empty} names no images"):
        benchmark_domain("office31", root, domain="W", check_files=False)
    with pytest.raises(ImageListError, match="names no images"):
        ImageList(root, empty, ["a", "b"])


def test_label_errors_are_not_sent_to_the_download(tmp_path):
    spec = get_benchmark("office31")
    root = make_fake_tree("office31", tmp_path, images_per_class=1, num_classes=2)
    listing = root / "image_list" / "amazon.txt"
    first = listing.read_text().splitlines()[0].rsplit(maxsplit=1)[0]
    with open(listing, "a") as handle:
        handle.write(f"{first} 99\n")
    report = format_report(spec, root, verify_dataset(spec, root, check_counts=False))
    assert "label 99 out of range" in report and "FAILED" in report
    assert "dalearn-data download" not in report and "Fetch" not in report
    assert f"{listing}: labels outside [0, {spec.num_classes})" in report
    assert "downloading again does not replace it" in report


def test_absent_images_still_get_the_download_advice(tmp_path):
    spec = get_benchmark("office31")
    root = make_fake_tree("office31", tmp_path, images_per_class=1, num_classes=2)
    next((root / "webcam").rglob("*.jpg")).unlink()
    report = format_report(spec, root, verify_dataset(spec, root, check_counts=False))
    assert "Incomplete image folders" in report and spec.download_command(str(root)) in report
