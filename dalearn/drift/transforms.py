"""The drift transforms: one implementation of each, shared by the generator and the offline
"drift" datasets.

A drift is a list of :class:`TransformInfo` (a transform and its drift level ``L ∈ [0, 1]``),
applied in order by :func:`apply_drift` to a batch ``[N, C, H, W]`` of images in [0, 1]. Every
random parameter is drawn per image, uniformly with ``u ~ U[0, 1]``:

=================  ==================================================================
ROTATE             angle ~ U[−90L, 90L] degrees, counter-clockwise, zeros fill corners
BRIGHTNESS         factor ~ U[max(0, 1 − 3L), 1 + 3L];  out = f · x
CONTRAST           factor ~ U[max(0, 1 − 3L), 1 + 3L];  out = f · x + (1 − f) · mean gray
SATURATION         factor ~ U[max(0, 1 − 15L), 1 + 15L]; out = f · x + (1 − f) · gray(x)
HUE                shift ~ U[−0.5L, 0.5L] turns of the HSV hue circle
GAUSSIAN_BLUR      kernel 5, σ = 3L (no random draw)
GAUSSIAN_NOISE     out = x + 0.5L · z, z ~ N(0, 1) per pixel
DEFAULT            GAUSSIAN_BLUR with σ = 3 · min(L, 0.5), then GAUSSIAN_NOISE with
                   σ = 0.5 · max(0, L − 0.4)
=================  ==================================================================

All outputs are clamped to [0, 1]. Level 0 is the identity for every transform.

Choices that differ from the DQM-ML image drift generator:

- parameters are drawn per image, not once per batch of 32;
- GAUSSIAN_NOISE has mean 0: the reference adds a 0.1 mean offset, which shifts every image's
  brightness even at level 0 and mixes a brightness drift into the noise drift;
- DEFAULT ramps blur and noise together and is continuous and monotone in ``L`` (the reference
  switches from blur at ``L`` to noise at ``L − 0.4`` at ``L = 0.5``, a jump). Its blur reaches
  the reference's largest blur (σ = 1.5) at ``L = 0.5`` and its noise the reference's largest
  noise (σ = 0.3) at ``L = 1``.

Grayscale (``C = 1``): every transform applies; HUE and SATURATION are the identity, exactly
as on a gray RGB image (a gray pixel has no hue and zero saturation) — use RGB input for
colour drift.

Random stream: for a given transform list the draws depend only on the image count and shape,
never on the levels, so one generator seed at several levels applies the *same* angles, factor
quantiles and noise patterns scaled by the level (common random numbers): the drift grows
monotonically with ``L`` image by image. Images are processed in chunks of
:data:`CHUNK_SIZE`, drawing each chunk's parameters in transform order; the result is fixed
by the generator state, the inputs and this constant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import Callable, Optional, Sequence, Union

import torch
from torch import Tensor

from dalearn.drift.color import adjust_brightness, adjust_contrast, adjust_hue, adjust_saturation
from dalearn.drift.spatial import gaussian_blur, rotate

CHUNK_SIZE = 8192
BLUR_KERNEL_SIZE = 5


class ImageTransform(Enum):
    """The available drift transforms (see the module docstring for their parameters)."""

    ROTATE = "rotate"
    BRIGHTNESS = "brightness"
    CONTRAST = "contrast"
    HUE = "hue"
    SATURATION = "saturation"
    GAUSSIAN_BLUR = "gaussian_blur"
    GAUSSIAN_NOISE = "gaussian_noise"
    DEFAULT = "default"

    @classmethod
    def parse(cls, value: Union["ImageTransform", str]) -> "ImageTransform":
        """Accept a member, its name (``"GAUSSIAN_BLUR"``) or its value (``"gaussian_blur"``)."""
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            key = value.strip().lower()
            for member in cls:
                if key in (member.value, member.name.lower()):
                    return member
        valid = ", ".join(m.name for m in cls)
        raise ValueError(f"unknown image transform {value!r}; valid transforms: {valid}")


@dataclass(frozen=True)
class TransformInfo:
    """One drift step: a transform and its drift level ``L ∈ [0, 1]`` (0 = no change)."""

    transf_type: ImageTransform
    drift_level: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "transf_type", ImageTransform.parse(self.transf_type))
        level = self.drift_level
        if isinstance(level, bool) or not isinstance(level, (int, float)):
            raise ValueError(f"drift_level must be a number in [0, 1], got {level!r}")
        if not math.isfinite(level) or not 0.0 <= level <= 1.0:
            raise ValueError(f"drift_level must be in [0, 1], got {level} for {self.transf_type.name}")
        object.__setattr__(self, "drift_level", float(level))


def _uniform(n: int, generator: torch.Generator, like: Tensor) -> Tensor:
    return torch.rand(n, generator=generator, device=generator.device).to(like.device, like.dtype)


def _factor(u: Tensor, levels: Tensor, scale: float) -> Tensor:
    """Factor ``~ U[max(0, 1 − scale·L), 1 + scale·L]`` from a uniform draw ``u``."""
    lo = (1.0 - scale * levels).clamp(min=0.0)
    hi = 1.0 + scale * levels
    return lo + u * (hi - lo)


def _noise(images: Tensor, sigmas: Tensor, generator: torch.Generator) -> Tensor:
    """``x + σ · z`` with ``z ~ N(0, 1)`` per pixel, clamped to [0, 1]."""
    z = torch.randn(images.shape, generator=generator, device=generator.device).to(images.device, images.dtype)
    return (images + sigmas.view(-1, 1, 1, 1) * z).clamp_(0.0, 1.0)


def _rotate(x: Tensor, levels: Tensor, g: torch.Generator) -> Tensor:
    return rotate(x, (2.0 * _uniform(len(x), g, x) - 1.0) * 90.0 * levels)


def _brightness(x: Tensor, levels: Tensor, g: torch.Generator) -> Tensor:
    return adjust_brightness(x, _factor(_uniform(len(x), g, x), levels, 3.0))


def _contrast(x: Tensor, levels: Tensor, g: torch.Generator) -> Tensor:
    return adjust_contrast(x, _factor(_uniform(len(x), g, x), levels, 3.0))


def _saturation(x: Tensor, levels: Tensor, g: torch.Generator) -> Tensor:
    return adjust_saturation(x, _factor(_uniform(len(x), g, x), levels, 15.0))


def _hue(x: Tensor, levels: Tensor, g: torch.Generator) -> Tensor:
    return adjust_hue(x, (2.0 * _uniform(len(x), g, x) - 1.0) * 0.5 * levels)


def _blur(x: Tensor, levels: Tensor, g: torch.Generator) -> Tensor:
    return gaussian_blur(x, 3.0 * levels, BLUR_KERNEL_SIZE)


def _gaussian_noise(x: Tensor, levels: Tensor, g: torch.Generator) -> Tensor:
    return _noise(x, 0.5 * levels, g)


def _default(x: Tensor, levels: Tensor, g: torch.Generator) -> Tensor:
    blurred = gaussian_blur(x, 3.0 * levels.clamp(max=0.5), BLUR_KERNEL_SIZE)
    return _noise(blurred, 0.5 * (levels - 0.4).clamp(min=0.0), g)


_APPLY: dict[ImageTransform, Callable[[Tensor, Tensor, torch.Generator], Tensor]] = {
    ImageTransform.ROTATE: _rotate,
    ImageTransform.BRIGHTNESS: _brightness,
    ImageTransform.CONTRAST: _contrast,
    ImageTransform.SATURATION: _saturation,
    ImageTransform.HUE: _hue,
    ImageTransform.GAUSSIAN_BLUR: _blur,
    ImageTransform.GAUSSIAN_NOISE: _gaussian_noise,
    ImageTransform.DEFAULT: _default,
}


def _check_inputs(
    images: Tensor, transforms: Sequence[TransformInfo], generator: torch.Generator, severity: Optional[Tensor]
) -> None:
    if not isinstance(images, Tensor) or images.dim() != 4 or not images.is_floating_point():
        got = f"{tuple(images.shape)} {images.dtype}" if isinstance(images, Tensor) else type(images).__name__
        raise ValueError(f"images must be a float tensor [N, C, H, W], got {got}")
    if images.shape[1] not in (1, 3):
        raise ValueError(f"images must have 1 (grayscale) or 3 (RGB) channels, got {images.shape[1]}")
    if images.numel() and not (images.min() >= 0.0 and images.max() <= 1.0):
        raise ValueError(
            f"image values must lie in [0, 1] (and not be NaN), got [{images.min().item()}, {images.max().item()}]"
        )
    for t in transforms:
        if not isinstance(t, TransformInfo):
            raise ValueError(f"transforms must be TransformInfo objects, got {type(t).__name__}: {t!r}")
    if not isinstance(generator, torch.Generator):
        raise ValueError(f"generator must be a torch.Generator, got {type(generator).__name__}")
    if severity is not None:
        if severity.shape != (images.shape[0],):
            raise ValueError(f"severity must have shape [{images.shape[0]}], got {tuple(severity.shape)}")
        if severity.numel() and not (severity.min() >= 0.0 and severity.max() <= 1.0):
            raise ValueError("severity values must lie in [0, 1]")


def apply_drift(
    images: Tensor,
    transforms: Sequence[TransformInfo],
    generator: torch.Generator,
    severity: Optional[Tensor] = None,
) -> Tensor:
    """Apply ``transforms`` in order to every image, with random parameters drawn per image.

    ``images``: float ``[N, C, H, W]`` in [0, 1], ``C`` = 1 or 3. ``severity`` (optional,
    ``[N]`` in [0, 1]) scales every drift level per image — image ``n`` gets level
    ``severity[n] · L``; the generator's gradual and incremental drifts use it. Returns a new
    tensor of the same shape and dtype; the input is not modified.
    """
    _check_inputs(images, transforms, generator, severity)
    out = torch.empty_like(images)
    for start in range(0, images.shape[0], CHUNK_SIZE):
        stop = min(start + CHUNK_SIZE, images.shape[0])
        chunk = images[start:stop]
        scale = (
            torch.ones(stop - start, dtype=images.dtype, device=images.device)
            if severity is None
            else severity[start:stop].to(images.device, images.dtype)
        )
        for t in transforms:
            chunk = _APPLY[t.transf_type](chunk, scale * t.drift_level, generator)
        out[start:stop] = chunk
    return out
