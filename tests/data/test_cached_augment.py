"""The cached pipeline's augmentation: the crop boxes of torchvision's RandomResizedCrop (same
draws, same distribution with a generator), pixels within a fraction of a level of the
reference pipeline for the same boxes, and the batched path equal to the per-image one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from scipy import stats
from sklearn.datasets import load_sample_image
from torchvision import transforms as T

from dalearn.data.batch_augment import BatchAugment, crop_box
from dalearn.data.cache.build import load_square
from dalearn.data.cache.key import DecodeSettings
from dalearn.data.image_list import load_image
from dalearn.data.transforms import (
    IMAGENET_STD,
    eval_transform,
    reference_eval_transform,
    reference_train_transform,
    train_transform,
)

LEVELS = torch.tensor(IMAGENET_STD).view(3, 1, 1) * 255.0


@pytest.fixture(scope="module")
def jpegs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("jpegs")
    photo = Image.fromarray(load_sample_image("china.jpg"))
    paths = {}
    for width, height in ((300, 300), (640, 480), (1000, 1000)):
        path = folder / f"{width}x{height}.jpg"
        photo.resize((width, height), Image.Resampling.BICUBIC).save(path, quality=90)
        paths[f"{width}x{height}"] = path
    return paths


def cached_square(path: Path, decode_size) -> torch.Tensor:
    return torch.from_numpy(load_square(str(path), DecodeSettings(decode_size=decode_size)).copy()).permute(2, 0, 1)


def test_crop_box_reproduces_torchvision_draws_including_the_fallback():
    for height, width, scale in ((256, 256, (0.08, 1.0)), (256, 20, (0.9, 1.0)), (20, 256, (0.9, 1.0))):
        torch.manual_seed(7)
        ours = [crop_box(height, width, scale) for _ in range(300)]
        torch.manual_seed(7)
        canvas = torch.empty(3, height, width)
        theirs = [T.RandomResizedCrop.get_params(canvas, list(scale), [3 / 4, 4 / 3]) for _ in range(300)]
        assert ours == theirs
    assert crop_box(256, 20, (0.9, 1.0)) == (114, 0, 27, 20)


def test_generator_boxes_follow_the_random_resized_crop_distribution():
    n = 20000
    generator = torch.Generator().manual_seed(1)
    ours = np.array(BatchAugment().boxes(n, generator), dtype=object)
    ours = np.array([box for box, _ in ours], dtype=np.float64)
    torch.manual_seed(2)
    canvas = torch.empty(3, 256, 256)
    theirs = np.array(
        [T.RandomResizedCrop.get_params(canvas, [0.08, 1.0], [3 / 4, 4 / 3]) for _ in range(n)], dtype=np.float64
    )
    features = {
        "area": lambda b: b[:, 2] * b[:, 3] / 256**2,
        "aspect": lambda b: b[:, 3] / b[:, 2],
        "top": lambda b: b[:, 0],
        "centre_x": lambda b: b[:, 1] + b[:, 3] / 2,
    }
    for name, feature in features.items():
        p = stats.ks_2samp(feature(ours), feature(theirs)).pvalue
        assert p > 1e-3, (name, p)
    area = features["area"](ours)
    assert 0.08 - 0.01 < area.min() and area.max() <= 1.0 and abs(area.mean() - features["area"](theirs).mean()) < 0.01
    # a wrong distribution is caught: log-uniform vs uniform aspect ratios
    uniform = np.random.default_rng(0).uniform(3 / 4, 4 / 3, n)
    assert stats.ks_2samp(features["aspect"](theirs), uniform).pvalue < 1e-6


def test_generator_flips_half_the_images():
    draws = BatchAugment().boxes(4000, torch.Generator().manual_seed(3))
    assert abs(np.mean([flipped for _, flipped in draws]) - 0.5) < 0.03


@pytest.mark.parametrize("size", ["300x300", "640x480", "1000x1000"])
@pytest.mark.parametrize("decode_size", [None, 256])
def test_cached_pipeline_matches_the_reference_for_the_same_boxes(jpegs, size, decode_size):
    square = cached_square(jpegs[size], decode_size)
    full = load_image(str(jpegs[size]))
    ours_t, reference = train_transform(), reference_train_transform()
    differences = []
    for seed in range(12):
        torch.manual_seed(seed)
        ours = ours_t(square)
        torch.manual_seed(seed)
        theirs = reference(full)
        differences.append(float(((ours - theirs).abs() * LEVELS).mean()))
    bound = 0.3 if decode_size is None else 1.5
    assert np.mean(differences) < bound, differences
    # ...and a different box gives a far larger difference: the test can tell
    torch.manual_seed(100)
    other = ours_t(square)
    torch.manual_seed(101)
    assert float(((other - reference(full)).abs() * LEVELS).mean()) > 10


def test_cached_eval_is_the_reference_eval_exactly(jpegs):
    square = cached_square(jpegs["640x480"], None)
    ours = eval_transform()(square)
    torch.testing.assert_close(ours, reference_eval_transform()(load_image(str(jpegs["640x480"]))), atol=1e-5, rtol=0)


@pytest.mark.parametrize("crop", ["random", "center"])
def test_batched_augmentation_equals_the_per_image_transform(jpegs, crop):
    squares = torch.stack([cached_square(path, 256) for path in jpegs.values()] * 4)
    transform = train_transform(crop=crop)
    torch.manual_seed(11)
    batched = transform.batched()(squares)
    torch.manual_seed(11)
    one_by_one = torch.stack([transform(image) for image in squares])
    levels = (batched - one_by_one).abs() * LEVELS
    assert batched.shape == (12, 3, 224, 224) and batched.dtype == torch.float32
    assert float(levels.max()) <= 1.0 + 1e-3 and float(levels.mean()) < 0.3
    if crop == "center":
        assert float(levels.max()) < 1e-3


def test_batch_augment_resizes_other_squares_and_rejects_floats():
    images = torch.randint(0, 256, (2, 3, 300, 300), dtype=torch.uint8)
    assert BatchAugment()(images, torch.Generator().manual_seed(0)).shape == (2, 3, 224, 224)
    with pytest.raises(TypeError, match="uint8 images"):
        BatchAugment()(images.float())
