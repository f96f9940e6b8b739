"""The batched drift transforms against torchvision's single-image functions, and the
properties the generator and the offline drift datasets rely on."""

from __future__ import annotations

import math
import time

import pytest
import torch
import torchvision.transforms.functional as TF

from dalearn.drift import transforms as drift_transforms
from dalearn.drift.color import adjust_brightness, adjust_contrast, adjust_hue, adjust_saturation
from dalearn.drift.spatial import gaussian_blur, rotate
from dalearn.drift.transforms import ImageTransform, TransformInfo, apply_drift


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@pytest.fixture
def rgb() -> torch.Tensor:
    return torch.rand(5, 3, 19, 23, generator=_gen(1))


@pytest.mark.parametrize(
    "ours, theirs, factors",
    [
        (adjust_brightness, TF.adjust_brightness, [0.0, 0.3, 1.0, 1.7, 3.1]),
        (adjust_contrast, TF.adjust_contrast, [0.0, 0.4, 1.0, 1.5, 4.0]),
        (adjust_saturation, TF.adjust_saturation, [0.0, 0.2, 1.0, 3.0, 15.0]),
        (adjust_hue, TF.adjust_hue, [-0.5, -0.2, 0.0, 0.13, 0.45]),
    ],
)
def test_colour_ops_match_torchvision_per_image(rgb, ours, theirs, factors) -> None:
    got = ours(rgb, torch.tensor(factors))
    want = torch.stack([theirs(img, f) for img, f in zip(rgb, factors)])
    # torchvision's luma weights are (0.2989, 0.587, 0.114), ours ITU-R 601's (0.299, …):
    # 1e-4 of gray, amplified by a saturation factor of 15.
    torch.testing.assert_close(got, want, atol=2e-3, rtol=0)


def test_rotate_matches_torchvision_per_image(rgb) -> None:
    angles = [-90.0, -33.0, 0.0, 12.5, 75.0]
    got = rotate(rgb, torch.tensor(angles))
    want = torch.stack([TF.rotate(img, a, interpolation=TF.InterpolationMode.BILINEAR) for img, a in zip(rgb, angles)])
    torch.testing.assert_close(got, want, atol=1e-4, rtol=0)


def test_rotate_quarter_turn_is_counter_clockwise() -> None:
    square = torch.rand(2, 1, 9, 9, generator=_gen(2))
    got = rotate(square, torch.tensor([90.0, -90.0]))
    torch.testing.assert_close(got[0], torch.rot90(square[0], 1, dims=(-2, -1)), atol=1e-5, rtol=0)
    torch.testing.assert_close(got[1], torch.rot90(square[1], -1, dims=(-2, -1)), atol=1e-5, rtol=0)


def test_blur_matches_torchvision_per_image(rgb) -> None:
    sigmas = [0.1, 0.5, 1.3, 3.0, 2.2]
    got = gaussian_blur(rgb, torch.tensor(sigmas), 5)
    want = torch.stack([TF.gaussian_blur(img, [5, 5], [s, s]) for img, s in zip(rgb, sigmas)])
    torch.testing.assert_close(got, want, atol=1e-5, rtol=0)


@pytest.mark.parametrize("kind", list(ImageTransform))
def test_level_zero_is_identity(rgb, kind) -> None:
    out = apply_drift(rgb, [TransformInfo(kind, 0.0)], _gen())
    torch.testing.assert_close(out, rgb, atol=1e-5, rtol=0)


@pytest.mark.parametrize("kind", list(ImageTransform))
def test_determinism_and_per_image_parameters(kind) -> None:
    same = torch.rand(1, 3, 16, 16, generator=_gen(3)).repeat(6, 1, 1, 1)
    info = [TransformInfo(kind, 0.6)]
    first = apply_drift(same, info, _gen(7))
    torch.testing.assert_close(first, apply_drift(same, info, _gen(7)), atol=0, rtol=0)
    assert not torch.equal(first, same)
    if kind is not ImageTransform.GAUSSIAN_BLUR:
        assert not torch.equal(first[0], first[1]), "random parameters must differ between images"
        assert not torch.equal(first, apply_drift(same, info, _gen(8)))


def test_brightness_factors_follow_the_reference_range() -> None:
    flat = torch.full((2000, 1, 2, 2), 0.25)
    level = 0.2
    factors = apply_drift(flat, [TransformInfo("brightness", level)], _gen())[:, 0, 0, 0] / 0.25
    lo, hi = max(0.0, 1 - 3 * level), 1 + 3 * level
    assert factors.min() >= lo - 1e-5 and factors.max() <= hi + 1e-5
    assert factors.min() < lo + 0.01 and factors.max() > hi - 0.01
    assert abs(factors.mean().item() - (lo + hi) / 2) < 0.02


def test_rotation_angles_cover_the_level_range() -> None:
    arrow = torch.zeros(400, 1, 21, 21)
    arrow[:, :, 10, 10:] = 1.0
    out = apply_drift(arrow, [TransformInfo(ImageTransform.ROTATE, 0.5)], _gen())
    ys, xs = torch.meshgrid(torch.arange(21.0) - 10, torch.arange(21.0) - 10, indexing="ij")
    weight = out[:, 0]
    angles = torch.rad2deg(torch.atan2(-(weight * ys).sum((1, 2)), (weight * xs).sum((1, 2))))
    assert angles.abs().max() <= 45.0 + 2.0
    assert angles.min() < -40.0 and angles.max() > 40.0


def test_noise_is_unbiased_with_sigma_half_level() -> None:
    gray = torch.full((200, 1, 16, 16), 0.5)
    out = apply_drift(gray, [TransformInfo(ImageTransform.GAUSSIAN_NOISE, 0.2)], _gen())
    assert abs(out.mean().item() - 0.5) < 0.003
    assert abs(out.std().item() - 0.1) < 0.003


def test_default_is_continuous_and_monotone_in_level() -> None:
    images = torch.rand(64, 1, 28, 28, generator=_gen(4))
    distances = []
    for level in [0.0, 0.1, 0.2, 0.3, 0.4, 0.5 - 1e-4, 0.5 + 1e-4, 0.6, 0.8, 1.0]:
        out = apply_drift(images, [TransformInfo(ImageTransform.DEFAULT, level)], _gen(5))
        distances.append((out - images).pow(2).mean().item())
    assert all(b > a for a, b in zip(distances, distances[1:])), distances
    assert distances[6] - distances[5] < 1e-3 * distances[5], "DEFAULT must not jump at L = 0.5"


def test_hue_and_saturation_on_grayscale_equal_the_rgb_path() -> None:
    gray = torch.rand(4, 1, 12, 12, generator=_gen(6))
    for kind in (ImageTransform.HUE, ImageTransform.SATURATION):
        out_gray = apply_drift(gray, [TransformInfo(kind, 1.0)], _gen())
        out_rgb = apply_drift(gray.repeat(1, 3, 1, 1), [TransformInfo(kind, 1.0)], _gen())
        torch.testing.assert_close(out_gray, gray, atol=0, rtol=0)
        torch.testing.assert_close(out_rgb, gray.repeat(1, 3, 1, 1), atol=1e-5, rtol=0)


def test_composition_applies_in_order_and_keeps_range(rgb) -> None:
    infos = [TransformInfo(kind, 0.7) for kind in ImageTransform]
    out = apply_drift(rgb, infos, _gen())
    assert out.shape == rgb.shape and out.dtype == rgb.dtype
    assert out.min() >= 0.0 and out.max() <= 1.0
    reversed_out = apply_drift(rgb, infos[::-1], _gen())
    assert not torch.allclose(out, reversed_out)


def test_severity_scales_levels_per_image_across_chunks(monkeypatch) -> None:
    monkeypatch.setattr(drift_transforms, "CHUNK_SIZE", 4)
    images = torch.rand(10, 1, 8, 8, generator=_gen(9))
    severity = torch.tensor([0.0] * 5 + [1.0] * 5)
    info = [TransformInfo(ImageTransform.GAUSSIAN_NOISE, 0.8)]
    out = apply_drift(images, info, _gen(), severity=severity)
    torch.testing.assert_close(out[:5], images[:5], atol=0, rtol=0)
    assert ((out[5:] - images[5:]).abs().amax(dim=(1, 2, 3)) > 0.1).all()


def test_seventy_thousand_small_images_take_seconds() -> None:
    images = torch.rand(70_000, 1, 28, 28, generator=_gen(10))
    start = time.perf_counter()
    out = apply_drift(images, [TransformInfo(ImageTransform.DEFAULT, 0.7)], _gen())
    assert time.perf_counter() - start < 30.0
    assert out.shape == images.shape


@pytest.mark.parametrize("level", [-0.1, 1.01, math.nan, math.inf, True, "0.5", None])
def test_bad_drift_level_raises(level) -> None:
    with pytest.raises(ValueError, match="drift_level"):
        TransformInfo(ImageTransform.ROTATE, level)


def test_unknown_transform_raises_and_names_are_parsed() -> None:
    with pytest.raises(ValueError, match="unknown image transform 'sharpen'.*GAUSSIAN_BLUR"):
        TransformInfo("sharpen", 0.5)
    assert TransformInfo("gaussian_blur", 1).transf_type is ImageTransform.GAUSSIAN_BLUR
    assert TransformInfo("Hue", 0.5).transf_type is ImageTransform.HUE


@pytest.mark.parametrize(
    "images, message",
    [
        (torch.rand(2, 3, 8, 8) * 2, r"\[0, 1\]"),
        (torch.full((2, 1, 8, 8), math.nan), "NaN"),
        (torch.rand(2, 4, 8, 8), "channels"),
        (torch.rand(3, 8, 8), r"\[N, C, H, W\]"),
        (torch.randint(0, 255, (2, 3, 8, 8)), "float"),
    ],
)
def test_bad_images_raise(images, message) -> None:
    with pytest.raises(ValueError, match=message):
        apply_drift(images, [TransformInfo(ImageTransform.ROTATE, 0.5)], _gen())


def test_bad_transform_list_and_generator_raise(rgb) -> None:
    with pytest.raises(ValueError, match="TransformInfo"):
        apply_drift(rgb, [(ImageTransform.ROTATE, 0.5)], _gen())
    with pytest.raises(ValueError, match="torch.Generator"):
        apply_drift(rgb, [TransformInfo(ImageTransform.ROTATE, 0.5)], 0)
    with pytest.raises(ValueError, match="severity"):
        apply_drift(rgb, [TransformInfo(ImageTransform.ROTATE, 0.5)], _gen(), severity=torch.ones(3))
