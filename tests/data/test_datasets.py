"""The four benchmark datasets on generated trees in their exact layouts: loading, task keys,
splits, and the refusal of missing or incomplete roots."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image

from dalearn.data.benchmarks import (
    BENCHMARKS,
    DatasetNotReadyError,
    all_tasks,
    benchmark_domain,
    get_benchmark,
    parse_task,
)
from dalearn.data.benchmarks.fake_tree import make_fake_tree
from dalearn.data.image_list import ImageList, ImageListError, load_image


def test_every_published_task_maps_to_its_lists_and_loads(fake_tree):
    name, root = fake_tree
    spec = get_benchmark(name)
    for task in spec.tasks:
        source, target = parse_task(spec, task)
        for role, domain in (("source", source), ("target", target)):
            dataset = benchmark_domain(name, root, task=task, role=role)
            assert Path(dataset.list_file) == root / domain.lists[spec.train_split]
            assert len(dataset) == 4 * 2
            assert len(dataset.classes) == spec.num_classes
    image, label = dataset[len(dataset) - 1]
    assert isinstance(image, Image.Image) and image.mode == "RGB"
    path = Path(dataset.samples[len(dataset) - 1][0])
    assert path.parent.name == dataset.classes[label]
    assert path.is_relative_to(root / target.folder)


def test_published_task_lists():
    assert BENCHMARKS["office31"].tasks == ("A2W", "D2W", "W2D", "A2D", "D2A", "W2A")
    assert len(BENCHMARKS["office_home"].tasks) == 12
    assert BENCHMARKS["visda"].tasks == ("Synthetic2Real",)
    assert len(BENCHMARKS["domainnet"].tasks) == 12
    assert len(all_tasks(BENCHMARKS["domainnet"])) == 30
    assert all_tasks(BENCHMARKS["office31"]) == ["A2D", "A2W", "D2A", "D2W", "W2A", "W2D"]


@pytest.mark.parametrize(
    ("name", "task", "expected"),
    [
        ("office31", "A2W", ("amazon", "webcam")),
        ("office31", "A→W", ("amazon", "webcam")),
        ("office31", "D->A", ("dslr", "amazon")),
        ("office31", "webcam2dslr", ("webcam", "dslr")),
        ("office31", "w2a", ("webcam", "amazon")),
        ("office_home", "Rw2Cl", ("Real_World", "Clipart")),
        ("office_home", "Real_World2Art", ("Real_World", "Art")),
        ("visda", "Synthetic2Real", ("train", "validation")),
        ("domainnet", "c2p", ("clipart", "painting")),
        ("domainnet", "q2r", ("quickdraw", "real")),
    ],
)
def test_task_keys(name, task, expected):
    source, target = parse_task(get_benchmark(name), task)
    assert (source.name, target.name) == expected


@pytest.mark.parametrize("task", ["A2X", "AW", "A2A", ""])
def test_bad_task_keys_raise(task):
    with pytest.raises(ValueError, match="task"):
        parse_task(get_benchmark("office31"), task)


def test_explicit_domain_overrides_task(fake_tree):
    name, root = fake_tree
    spec = get_benchmark(name)
    last = spec.domains[-1]
    dataset = benchmark_domain(name, root, domain=last.name, task=spec.tasks[0], role="source")
    assert Path(dataset.list_file) == root / last.lists[spec.train_split]


def test_domainnet_train_and_test_lists(tmp_path):
    root = make_fake_tree("domainnet", tmp_path, images_per_class=1, num_classes=2)
    train = benchmark_domain("domainnet", root, task="c2s", role="target")
    test = benchmark_domain("domainnet", root, task="c2s", role="target", split="test")
    assert Path(train.list_file).name == "sketch_train.txt"
    assert Path(test.list_file).name == "sketch_test.txt"
    assert set(train.samples).isdisjoint(test.samples)
    with pytest.raises(ValueError, match="splits"):
        benchmark_domain("domainnet", root, task="c2s", role="target", split="all")


def test_missing_root_names_layout_and_download_command(tmp_path):
    root = tmp_path / "nowhere"
    with pytest.raises(DatasetNotReadyError) as caught:
        benchmark_domain("office31", root, task="A2W", role="source")
    message = str(caught.value)
    assert f"{root}/image_list/amazon.txt" in message
    assert f"{root}/amazon/images/<class>/*.jpg" in message
    assert f"dalearn-data download office31 --root {root}" in message


def test_missing_list_and_missing_images_are_refused(tmp_path):
    root = make_fake_tree("office_home", tmp_path, images_per_class=2, num_classes=3)
    (root / "image_list" / "Art.txt").unlink()
    with pytest.raises(DatasetNotReadyError, match="Art.txt is missing"):
        benchmark_domain("office_home", root, task="Ar2Cl", role="source")
    shutil.rmtree(root / "Clipart" / "Bottle")
    with pytest.raises(DatasetNotReadyError, match=r"2 images named in .*Clipart.txt are missing") as caught:
        benchmark_domain("office_home", root, task="Ar2Cl", role="target")
    assert "Clipart/Bottle/" in str(caught.value)
    assert "dalearn-data download office_home" in str(caught.value)


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match="office31, office_home, visda, domainnet"):
        get_benchmark("office-32")
    assert get_benchmark("Office-Home").name == "office_home"


def test_image_list_format_and_errors(tmp_path):
    (tmp_path / "my images").mkdir()
    Image.new("RGB", (8, 8), "red").save(tmp_path / "my images" / "a b.jpg")
    Image.new("L", (8, 8), 128).save(tmp_path / "gray.png")
    good = tmp_path / "good.txt"
    good.write_text(f"my images/a b.jpg 1\n\n{tmp_path / 'gray.png'} 0\n")
    dataset = ImageList(tmp_path, good, ["x", "y"])
    assert dataset.targets == [1, 0]
    assert dataset[1][0].mode == "RGB"
    bad = tmp_path / "bad.txt"
    bad.write_text("ok.jpg 0\nno_label.jpg\n")
    with pytest.raises(ImageListError, match=r"bad.txt:2: expected 'relative/path label'"):
        ImageList(tmp_path, bad, ["x"])
    with pytest.raises(ImageListError, match="outside \\[0, 1\\)"):
        ImageList(tmp_path, good, ["x"])


def test_reduced_size_decoding(tmp_path):
    Image.new("RGB", (1600, 1200), "blue").save(tmp_path / "photo.jpg")
    Image.new("RGB", (1600, 1200), "blue").save(tmp_path / "photo.png")
    assert load_image(str(tmp_path / "photo.jpg")).size == (1600, 1200)
    reduced = load_image(str(tmp_path / "photo.jpg"), decode_size=256)
    assert reduced.size == (400, 300)
    assert load_image(str(tmp_path / "photo.png"), decode_size=256).size == (1600, 1200)
    assert load_image(str(tmp_path / "photo.jpg"), decode_size=1000).size == (1600, 1200)
