"""The recipes' transforms: same pixels as the torchvision reference steps for the same seed,
and the single-resample mode draws the same crop boxes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from sklearn.datasets import load_sample_image
from torchvision import transforms as T

from dalearn.data.transforms import (
    SquareResizeCrop,
    ToNormalizedTensor,
    eval_transform,
    reference_eval_transform,
    reference_train_transform,
    train_transform,
)


@pytest.fixture(scope="module")
def photo() -> Image.Image:
    return Image.fromarray(load_sample_image("china.jpg"))


@pytest.mark.parametrize("crop", ["random", "center"])
def test_train_transform_matches_reference_pixels(photo, crop):
    for seed in range(5):
        torch.manual_seed(seed)
        ours = train_transform(crop=crop)(photo)
        torch.manual_seed(seed)
        reference = reference_train_transform(crop=crop)(photo)
        assert ours.shape == (3, 224, 224)
        torch.testing.assert_close(ours, reference, atol=1e-5, rtol=0)


def test_eval_transform_matches_reference(photo):
    torch.testing.assert_close(eval_transform()(photo), reference_eval_transform()(photo), atol=1e-5, rtol=0)


def test_single_resample_draws_the_reference_boxes(photo):
    fused = SquareResizeCrop(single_resample=True)
    canvas = Image.new("RGB", (256, 256))
    torch.manual_seed(3)
    ours = [fused.box() for _ in range(50)]
    torch.manual_seed(3)
    reference = [T.RandomResizedCrop.get_params(canvas, [0.08, 1.0], [3 / 4, 4 / 3]) for _ in range(50)]
    assert ours == reference
    areas = np.array([h * w for _, _, h, w in ours]) / 256**2
    assert areas.min() >= 0.08 - 1e-3 and areas.max() <= 1.0 and areas.std() > 0.1


def test_single_resample_is_close_on_large_crops(photo):
    smooth = photo.resize((1280, 854), Image.Resampling.BICUBIC)
    ours = SquareResizeCrop(single_resample=True, scale=(0.9, 1.0))
    reference = T.Compose([T.Resize((256, 256)), T.RandomResizedCrop(224, scale=(0.9, 1.0))])
    for seed in range(3):
        torch.manual_seed(seed)
        a = np.asarray(ours(smooth), dtype=np.float64)
        torch.manual_seed(seed)
        b = np.asarray(reference(smooth), dtype=np.float64)
        assert np.abs(a - b).mean() < 6.0


def test_center_crop_training_flips_only(photo):
    center = np.asarray(SquareResizeCrop(crop="center")(photo))
    transform = T.Compose([SquareResizeCrop(crop="center"), T.RandomHorizontalFlip()])
    seen = set()
    for seed in range(8):
        torch.manual_seed(seed)
        out = np.asarray(transform(photo))
        assert np.array_equal(out, center) or np.array_equal(out, center[:, ::-1])
        seen.add(np.array_equal(out, center))
    assert seen == {True, False}


def test_to_normalized_tensor_matches_torchvision(photo):
    expected = T.Compose([T.ToTensor(), T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])(photo)
    torch.testing.assert_close(ToNormalizedTensor()(photo), expected, atol=1e-5, rtol=0)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="crop must be one of"):
        SquareResizeCrop(crop="left")
    with pytest.raises(ValueError, match="size <= resize"):
        SquareResizeCrop(size=300, resize=256)
    with pytest.raises(ValueError, match="interpolation"):
        SquareResizeCrop(interpolation="cubic")
    with pytest.raises(TypeError, match="takes a PIL image"):
        SquareResizeCrop()(torch.zeros(3, 300, 300))
    with pytest.raises(ValueError, match="channels"):
        ToNormalizedTensor()(Image.new("L", (4, 4)))
