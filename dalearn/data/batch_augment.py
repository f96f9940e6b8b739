"""The recipes' augmentation on a batch of cached uint8 images, on whatever device holds it.

Input: the decoded-image cache's ``resize`` × ``resize`` squares (``(B, 3, 256, 256)`` uint8,
already on the GPU when training there). Per image, in this order of random draws:

1. a crop box from :func:`crop_box` — torchvision's ``RandomResizedCrop.get_params`` with an
   optional ``torch.Generator``: area fraction s ~ U(scale), log aspect ratio
   log r ~ U(log ratio), w = round(√(s·A·r)), h = round(√(s·A/r)), up to 10 tries for a box that
   fits, then a uniform position; after 10 misses the largest centred box with r clamped to
   ``ratio`` (``crop="center"``: the fixed centred ``size`` box instead);
2. a horizontal flip with probability ½ (``torch.rand(1) < 0.5``, as ``RandomHorizontalFlip``).

Each box is resized to ``size`` × ``size`` (antialiased bilinear, ``torchvision.transforms.v2``),
rounded to integer levels like the uint8 CPU path, and the batch is normalised
((x/255 − mean)/std) in float32. With ``generator=None`` the draws come from torch's global RNG
in the same order as the per-image transforms of :mod:`dalearn.data.transforms`, so for equal
seeds the two paths give the same crops and flips — the batch path only moves the work to the GPU.
"""

from __future__ import annotations

import math
from typing import Optional, Sequence

import torch
from torchvision.transforms import InterpolationMode
from torchvision.transforms.v2 import functional as F2

INTERPOLATION_MODES = {
    "nearest": InterpolationMode.NEAREST,
    "bilinear": InterpolationMode.BILINEAR,
    "bicubic": InterpolationMode.BICUBIC,
    "lanczos": InterpolationMode.LANCZOS,
}


def crop_box(
    height: int,
    width: int,
    scale: Sequence[float] = (0.08, 1.0),
    ratio: Sequence[float] = (3 / 4, 4 / 3),
    generator: Optional[torch.Generator] = None,
) -> tuple[int, int, int, int]:
    """(top, left, box height, box width) of a RandomResizedCrop on a ``height`` × ``width``
    image; the same algorithm and the same draws as torchvision's ``get_params``."""
    area = height * width
    log_ratio = torch.log(torch.tensor(ratio))
    for _ in range(10):
        target_area = area * torch.empty(1).uniform_(scale[0], scale[1], generator=generator).item()
        aspect = torch.exp(
            torch.empty(1).uniform_(float(log_ratio[0]), float(log_ratio[1]), generator=generator)
        ).item()
        w = int(round(math.sqrt(target_area * aspect)))
        h = int(round(math.sqrt(target_area / aspect)))
        if 0 < w <= width and 0 < h <= height:
            top = int(torch.randint(0, height - h + 1, size=(1,), generator=generator).item())
            left = int(torch.randint(0, width - w + 1, size=(1,), generator=generator).item())
            return top, left, h, w
    in_ratio = width / height
    if in_ratio < min(ratio):
        w, h = width, int(round(width / min(ratio)))
    elif in_ratio > max(ratio):
        h, w = height, int(round(height * max(ratio)))
    else:
        w, h = width, height
    return (height - h) // 2, (width - w) // 2, h, w


class BatchAugment:
    """uint8 ``(B, C, H, W)`` → normalised float32 ``(B, C, size, size)``: crop, resize, flip.

    Args mirror :class:`dalearn.data.transforms.RecipeTransform` (``train_transform`` in the
    configs); ``resize`` is the square the boxes are drawn on (images of another side are
    resized to it first).
    """

    def __init__(
        self,
        crop: str = "random",
        size: int = 224,
        resize: int = 256,
        flip: bool = True,
        scale: Sequence[float] = (0.08, 1.0),
        ratio: Sequence[float] = (3 / 4, 4 / 3),
        mean: Sequence[float] = (0.485, 0.456, 0.406),
        std: Sequence[float] = (0.229, 0.224, 0.225),
        interpolation: str = "bilinear",
    ) -> None:
        if crop not in ("random", "center"):
            raise ValueError(f"crop must be 'random' or 'center', got {crop!r}")
        if interpolation not in INTERPOLATION_MODES:
            raise ValueError(f"interpolation must be one of {sorted(INTERPOLATION_MODES)}, got {interpolation!r}")
        self.crop, self.size, self.resize, self.flip = crop, int(size), int(resize), bool(flip)
        self.scale, self.ratio = tuple(scale), tuple(ratio)
        self.mean, self.std = tuple(mean), tuple(std)
        self.interpolation = INTERPOLATION_MODES[interpolation]

    def boxes(
        self, count: int, generator: Optional[torch.Generator] = None
    ) -> list[tuple[tuple[int, int, int, int], bool]]:
        """``count`` (box, flipped) draws, per image in the per-image transforms' order."""
        draws = []
        for _ in range(count):
            if self.crop == "center":
                offset = int(round((self.resize - self.size) / 2.0))
                box = (offset, offset, self.size, self.size)
            else:
                box = crop_box(self.resize, self.resize, self.scale, self.ratio, generator)
            flipped = bool(torch.rand(1, generator=generator) < 0.5) if self.flip else False
            draws.append((box, flipped))
        return draws

    def __call__(self, images: torch.Tensor, generator: Optional[torch.Generator] = None) -> torch.Tensor:
        if images.dim() != 4 or images.dtype != torch.uint8:
            raise TypeError(
                f"BatchAugment takes uint8 images (B, C, H, W) from the image cache, got {images.dtype} "
                f"{tuple(images.shape)}"
            )
        pixels = images.float()
        if tuple(pixels.shape[-2:]) != (self.resize, self.resize):
            pixels = F2.resize(pixels, [self.resize, self.resize], self.interpolation, antialias=True).round_()
        crops = []
        for index, ((top, left, h, w), flipped) in enumerate(self.boxes(images.shape[0], generator)):
            crop = pixels[index, :, top : top + h, left : left + w]
            if (h, w) != (self.size, self.size):
                crop = (
                    F2.resize(crop, [self.size, self.size], self.interpolation, antialias=True).round_().clamp_(0, 255)
                )
            crops.append(crop.flip(-1) if flipped else crop)
        batch = torch.stack(crops)
        mean = torch.tensor(self.mean, device=batch.device).view(1, -1, 1, 1) * 255.0
        std = torch.tensor(self.std, device=batch.device).view(1, -1, 1, 1) * 255.0
        return batch.sub_(mean).div_(std)

    def __repr__(self) -> str:
        return (
            f"BatchAugment(crop={self.crop!r}, size={self.size}, resize={self.resize}, flip={self.flip}, "
            f"scale={self.scale}, ratio={self.ratio})"
        )
