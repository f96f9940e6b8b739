"""The decoded-image cache: built once, reused, rebuilt when its inputs change, never read half
written, one build for concurrent builders, clear errors for foreign files and full disks."""

from __future__ import annotations

import errno
import json
import logging
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import dalearn
from dalearn.data.benchmarks import benchmark_domain
from dalearn.data.benchmarks.fake_tree import make_fake_tree
from dalearn.data.cache import (
    CachedImageList,
    CacheDiskFullError,
    DecodeSettings,
    ForeignCacheError,
    cache_image_list,
    cache_path,
)
from dalearn.data.cache import build as build_module
from dalearn.data.cache.build import load_square
from dalearn.data.cache.store import MAGIC, read_header
from dalearn.data.image_list import ImageList

ENV = {**os.environ, "PYTHONPATH": str(Path(dalearn.__file__).parents[1])}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return make_fake_tree("office31", tmp_path / "office31", images_per_class=2, num_classes=3, size=(60, 45))


def amazon(root: Path) -> ImageList:
    return benchmark_domain("office31", root, domain="A")


def temporaries(folder: Path) -> list[Path]:
    return (
        [p for p in folder.iterdir() if p.name.startswith(".") and p.name.endswith(".tmp")] if folder.is_dir() else []
    )


def test_build_stores_every_image_decoded_and_resized(tree):
    images = amazon(tree)
    cached = cache_image_list(images, True, side=32)
    assert cached.entry.built and Path(cached.path).parent == tree / ".dalearn-cache"
    assert len(cached) == len(images) == 6 and cached.targets == images.targets and cached.classes == images.classes
    settings = DecodeSettings(side=32, decode_size=images.decode_size)
    for index, (path, label) in enumerate(images.samples):
        pixels, cached_label = cached[index]
        assert pixels.dtype.is_floating_point is False and tuple(pixels.shape) == (3, 32, 32)
        np.testing.assert_array_equal(pixels.permute(1, 2, 0).numpy(), load_square(path, settings))
        assert cached_label == label
    assert os.path.getsize(cached.path) == cached.entry.nbytes


def test_second_open_reuses_the_cache_without_rebuilding(tree):
    first = cache_image_list(amazon(tree), True, side=32)
    before = os.stat(first.path)
    second = cache_image_list(amazon(tree), True, side=32)
    after = os.stat(second.path)
    assert not second.entry.built and second.path == first.path
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_changed_list_rebuilds_with_a_log_line(tree, caplog):
    first = cache_image_list(amazon(tree), True, side=32)
    list_file = tree / "image_list" / "amazon.txt"
    list_file.write_text("".join(list_file.read_text().splitlines(keepends=True)[:4]))
    with caplog.at_level(logging.INFO, logger="dalearn"):
        second = cache_image_list(amazon(tree), True, side=32)
    assert second.entry.built and second.path == first.path and len(second) == 4
    assert second.entry.header["key"] != first.entry.header["key"]
    assert any("rebuilding" in record.getMessage() for record in caplog.records)


def test_replaced_image_rebuilds_with_its_new_pixels(tree):
    images = amazon(tree)
    before = cache_image_list(images, True, side=32)[0][0].clone()
    path = images.samples[0][0]
    from PIL import Image

    Image.new("RGB", (60, 45), (255, 0, 0)).save(path)
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
    second = cache_image_list(amazon(tree), True, side=32)
    assert second.entry.built
    red = second[0][0].float().mean(dim=(1, 2))
    assert red[0] > 240 and red[1] < 15 and not np.array_equal(before.numpy(), second[0][0].numpy())


def test_other_decode_settings_get_their_own_file(tree):
    small = cache_image_list(amazon(tree), True, side=32)
    large = cache_image_list(amazon(tree), True, side=40)
    assert (
        small.path != large.path and large.entry.built and not cache_image_list(amazon(tree), True, side=32).entry.built
    )
    assert tuple(large[0][0].shape) == (3, 40, 40)


def test_foreign_file_is_refused_and_left_alone(tree):
    images = amazon(tree)
    path = cache_path(tree / ".dalearn-cache", tree, images.list_file, DecodeSettings(side=32))
    path.parent.mkdir(parents=True)
    path.write_bytes(b"someone else's data")
    with pytest.raises(ForeignCacheError, match="not a dalearn image cache") as caught:
        cache_image_list(images, True, side=32)
    assert str(path) in str(caught.value) and "data.cache" in str(caught.value)
    assert path.read_bytes() == b"someone else's data"


def test_unreadable_header_is_refused(tree):
    images = amazon(tree)
    path = cache_path(tree / ".dalearn-cache", tree, images.list_file, DecodeSettings(side=32))
    path.parent.mkdir(parents=True)
    path.write_bytes(MAGIC + b"\xff" * 40)
    with pytest.raises(ForeignCacheError, match="unreadable header"):
        cache_image_list(images, True, side=32)


def test_truncated_cache_is_rebuilt_with_a_warning(tree, caplog):
    first = cache_image_list(amazon(tree), True, side=32)
    with open(first.path, "r+b") as handle:
        handle.truncate(os.path.getsize(first.path) - 100)
    with caplog.at_level(logging.WARNING, logger="dalearn"):
        second = cache_image_list(amazon(tree), True, side=32)
    assert second.entry.built and os.path.getsize(second.path) == second.entry.nbytes
    assert any("cut short" in record.getMessage() for record in caplog.records)


def test_full_disk_is_reported_before_decoding(tree, monkeypatch):
    images = amazon(tree)
    monkeypatch.setattr(build_module.shutil, "disk_usage", lambda path: type("Usage", (), {"free": 1000})())
    with pytest.raises(CacheDiskFullError) as caught:
        cache_image_list(images, tmp := tree / "elsewhere", side=32)
    message = str(caught.value)
    expected = cache_path(tmp, tree, images.list_file, DecodeSettings(side=32))
    assert str(expected) in message and "data.cache=" in message
    needed = 4096 + 6 * 32 * 32 * 3
    assert f"needs {needed} bytes" in message and caught.value.errno == errno.ENOSPC
    assert not expected.exists() and temporaries(tmp) == []


def test_no_space_while_writing_leaves_nothing_behind(tree, monkeypatch):
    def full(fd, offset, length):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(build_module.os, "posix_fallocate", full)
    with pytest.raises(CacheDiskFullError, match="no room for the image cache"):
        cache_image_list(amazon(tree), True, side=32)
    folder = tree / ".dalearn-cache"
    assert temporaries(folder) == [] and not any(p.suffix == ".dlcache" for p in folder.iterdir())


def test_pickled_dataset_does_not_carry_the_pixels(tree):
    cached = cache_image_list(amazon(tree), True, side=64)
    cached[0]
    restored = pickle.loads(pickle.dumps(cached))
    assert len(pickle.dumps(cached)) < 6 * 64 * 64 * 3 / 4
    np.testing.assert_array_equal(restored[5][0].numpy(), cached[5][0].numpy())


BUILDER = textwrap.dedent(
    """
    import json, sys, time
    from dalearn.data.benchmarks import benchmark_domain
    from dalearn.data.cache import build

    original = build.load_square

    def slow(path, settings):
        time.sleep(float(sys.argv[2]))
        return original(path, settings)

    build.load_square = slow
    dataset = benchmark_domain("office31", sys.argv[1], domain="A", cache=True, cache_side=32, cache_workers=1)
    print(json.dumps({"built": dataset.entry.built, "key": dataset.entry.header["key"]}))
    """
)


def start_builder(tmp_path: Path, root: Path, delay: float) -> subprocess.Popen:
    script = tmp_path / "builder.py"
    script.write_text(BUILDER)
    return subprocess.Popen(
        [sys.executable, str(script), str(root), str(delay)],
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_killed_builder_is_never_read_and_its_temporary_is_removed(tree, tmp_path, caplog):
    folder = tree / ".dalearn-cache"
    builder = start_builder(tmp_path, tree, delay=2.0)
    deadline = time.time() + 60
    while not temporaries(folder) and time.time() < deadline and builder.poll() is None:
        time.sleep(0.05)
    assert temporaries(folder), builder.communicate()[1][-2000:]
    os.kill(builder.pid, signal.SIGKILL)
    builder.wait()
    (leftover,) = temporaries(folder)
    assert not any(p.suffix == ".dlcache" for p in folder.iterdir())
    with caplog.at_level(logging.INFO, logger="dalearn"):
        cached = cache_image_list(amazon(tree), True, side=32)
    assert cached.entry.built and not leftover.exists() and temporaries(folder) == []
    assert any("killed" in record.getMessage() for record in caplog.records)
    read_header(cached.path)


@pytest.mark.slow
def test_two_concurrent_builders_build_once(tree, tmp_path):
    builders = [start_builder(tmp_path, tree, delay=0.1) for _ in range(2)]
    results = []
    for builder in builders:
        out, err = builder.communicate(timeout=120)
        assert builder.returncode == 0, err[-2000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert sorted(result["built"] for result in results) == [False, True]
    assert results[0]["key"] == results[1]["key"]
    assert isinstance(cache_image_list(amazon(tree), True, side=32), CachedImageList)
