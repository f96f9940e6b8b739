"""data=custom at full speed: image folders and lists are served from the decoded-image cache
by default (the same uint8 pixels the images decode to, so the same transformed tensors), with
loader workers, and a changed folder rebuilds its cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from dalearn.data import custom_cache
from dalearn.data.cache import CachedImageList, cached_path
from dalearn.run.factory import build_datamodule


def write_folder(root: Path, size: tuple[int, int], per_class: int = 6, classes=("a", "b", "c"), seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    for name in classes:
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            pixels = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / name / f"{i}.png")
    return root


def datamodule(train_cfg, source: Path, target: Path, *overrides: str):
    cfg = train_cfg(["data=custom", f"data.source.path={source}", f"data.target.path={target}", *overrides])
    return cfg, build_datamodule(cfg)


def eval_tensors(dm) -> torch.Tensor:
    loader = dm.eval_dataloaders()[0]
    return torch.cat([x for x, _ in loader])


def test_custom_defaults_are_cached_with_workers(train_cfg, tmp_path):
    source, target = write_folder(tmp_path / "src", (28, 28)), write_folder(tmp_path / "tgt", (28, 28), seed=1)
    cfg, dm = datamodule(train_cfg, source, target)
    assert cfg.data.cache == "auto" and cfg.data.num_workers == 2
    for side, folder in (("source", source), ("target", target)):
        train = getattr(dm, side)["train"]
        assert isinstance(train, CachedImageList), train
        assert cached_path(train).parent == folder / ".dalearn-cache"
        assert train.side == 28 and train.classes == ["a", "b", "c"]
    assert dm.classes == ["a", "b", "c"]  # the hidden cache folder is no class


@pytest.mark.parametrize("size", [(28, 28), (96, 80)], ids=["small", "photo"])
def test_cached_and_decoded_images_give_the_same_tensors(train_cfg, tmp_path, size):
    source, target = write_folder(tmp_path / "src", size), write_folder(tmp_path / "tgt", size, seed=1)
    _, cached = datamodule(train_cfg, source, target, "data.num_workers=0")
    _, decoded = datamodule(train_cfg, source, target, "data.num_workers=0", "data.cache=null")
    assert cached_path(cached.target["train"]) is not None and cached_path(decoded.target["train"]) is None
    a, b = eval_tensors(cached), eval_tensors(decoded)
    assert a.shape == b.shape and a.dtype == b.dtype == torch.float32
    if size == (28, 28):
        assert torch.equal(a, b)  # the cache stores the decoded pixels themselves
    else:
        # photos: stored as the 256 square the eval transform resizes to first (PIL's bilinear either way)
        assert (a - b).abs().mean() < 0.02 and (a - b).abs().max() < 0.2
    x_s, y_s = next(iter(cached.train_dataloader()["source"]))
    assert x_s.dtype == torch.float32 and len(y_s) == cached.batch_size


def test_a_changed_folder_rebuilds_its_cache(train_cfg, tmp_path):
    source, target = write_folder(tmp_path / "src", (28, 28)), write_folder(tmp_path / "tgt", (28, 28), seed=1)
    _, first = datamodule(train_cfg, source, target, "data.num_workers=0")
    Image.fromarray(np.zeros((28, 28, 3), dtype=np.uint8)).save(target / "b" / "extra.png")
    _, second = datamodule(train_cfg, source, target, "data.num_workers=0")
    assert len(second.target["train"]) == len(first.target["train"]) + 1
    assert second.target["train"].labels.count(1) == 7
    index = Path(cached_path(second.target["train"])).parent / "tgt.images.txt"
    assert "b/extra.png 1" in index.read_text().splitlines()


def test_an_unwritable_cache_folder_falls_back_to_decoding(tmp_path, monkeypatch, caplog):
    from dalearn.data.image_folder import ImageFolder

    folder = ImageFolder(write_folder(tmp_path / "src", (28, 28)))

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(custom_cache, "cache_image_list", refuse)
    with caplog.at_level("WARNING", logger="dalearn"):
        assert custom_cache.maybe_cached(folder, "auto") is folder
    assert "cannot write" in caplog.text and "data.cache" in caplog.text
    assert custom_cache.maybe_cached(folder, None) is folder  # cache off: nothing to do
