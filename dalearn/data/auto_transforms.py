"""Transforms chosen from the image size (``train_transform: auto``).

Small images (both sides ≤ 64 pixels: digits, Fashion-MNIST, icons) are treated as the
offline datasets are: square-resized to one side (``image_size``, default the source's side,
e.g. 28) and turned into float tensors in [0, 1] with three channels, without augmentation —
what the LeNet backbone is trained on. Larger images are photos and get the published recipes'
transforms: square resize 256, RandomResizedCrop 224 and a flip for training, a 224 centre
crop for evaluation, ImageNet normalisation (``image_size`` changes the crop, the resize
keeps the 256/224 ratio).

Either input type is accepted — PIL images (folders, lists, ``dalearn-drift`` output) and
float tensors (the offline datasets) — so domains of different kinds mix freely. ``style``
(``small`` or ``photo``) overrides the choice.
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence

import torch
import torch.nn.functional as F
from PIL import Image
from torch.utils.data import Dataset
from torchvision import transforms as T
from torchvision.transforms.functional import pil_to_tensor, to_pil_image

from dalearn.data.transforms import eval_transform, train_transform

SMALL_MAX_SIDE = 64
STYLES = ("auto", "small", "photo")
PHOTO_CROP = 224
PHOTO_RESIZE_RATIO = 256 / 224


class ToImageTensor:
    """A PIL image or a (C, H, W) float tensor in [0, 1] → a (3, size, size) float tensor in [0, 1]."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"image_size must be a positive number of pixels, got {size}")
        self.size = int(size)

    def __call__(self, image) -> torch.Tensor:
        if isinstance(image, Image.Image):
            image = image.convert("RGB")
            if image.size != (self.size, self.size):
                image = image.resize((self.size, self.size), Image.Resampling.BILINEAR)
            return pil_to_tensor(image).float().div_(255.0)
        tensor = torch.as_tensor(image)
        tensor = (
            tensor.float().div_(255.0) if tensor.dtype == torch.uint8 else tensor.to(torch.float32)
        )  # cached pixels
        if tensor.dim() == 2:
            tensor = tensor.unsqueeze(0)
        if tensor.shape[0] == 1:
            tensor = tensor.expand(3, -1, -1)
        if tuple(tensor.shape[-2:]) != (self.size, self.size):
            tensor = F.interpolate(tensor[None], size=(self.size, self.size), mode="bilinear", align_corners=False)[0]
        return tensor.contiguous()

    def __repr__(self) -> str:
        return f"ToImageTensor(size={self.size})"


class ToRGBImage:
    """A PIL image (converted to RGB) or a float tensor in [0, 1] → a PIL RGB image; a
    (3, H, W) uint8 tensor (the decoded-image cache's pixels) goes on as it is: the recipe
    transforms take it directly."""

    def __call__(self, image) -> Image.Image:
        if isinstance(image, Image.Image):
            return image.convert("RGB")
        if isinstance(image, torch.Tensor) and image.dtype == torch.uint8 and image.dim() == 3 and image.shape[0] == 3:
            return image
        tensor = torch.as_tensor(image, dtype=torch.float32).clamp(0.0, 1.0)
        if tensor.dim() == 3 and tensor.shape[0] == 1:
            tensor = tensor.expand(3, -1, -1)
        return to_pil_image(tensor)

    def __repr__(self) -> str:
        return "ToRGBImage()"


def choose_style(size: Optional[tuple[int, int]]) -> str:
    """``small`` for images with both sides ≤ 64 pixels, else ``photo``."""
    if size is None:
        raise ValueError(
            "cannot choose transforms from the image size: the source has no image; set data.train_transform"
        )
    return "small" if max(size) <= SMALL_MAX_SIDE else "photo"


def auto_transforms(
    style: str, size: Optional[tuple[int, int]], image_size: Optional[int] = None
) -> tuple[Callable, Callable]:
    """``(train, eval)`` transforms for ``style`` (``auto`` decides from ``size``, the probed
    (height, width))."""
    if style not in STYLES:
        raise ValueError(f"data transforms: unknown style {style!r}; choose one of {STYLES} or give a _target_ node")
    if style == "auto":
        style = choose_style(size)
    if style == "small":
        side = int(image_size) if image_size else (max(size) if size else 28)
        transform = ToImageTensor(side)
        return transform, transform
    crop = int(image_size) if image_size else PHOTO_CROP
    resize = int(round(crop * PHOTO_RESIZE_RATIO))
    return (
        T.Compose([ToRGBImage(), train_transform(size=crop, resize=resize)]),
        T.Compose([ToRGBImage(), eval_transform(size=crop, resize=resize)]),
    )


def resolve_transforms(
    train: Optional[Callable | str],
    evaluation: Optional[Callable | str],
    image_size: Optional[int],
    probe: Callable[[], Optional[tuple[int, int]]],
) -> tuple[Optional[Callable], Optional[Callable]]:
    """Replace a style name (``auto``, ``small``, ``photo``) by the transform it stands for;
    ``probe`` returns the images' (height, width) and is called only when needed."""
    styles = [t for t in (train, evaluation) if isinstance(t, str)]
    if not styles:
        return train, evaluation
    size = probe() if any(s == "auto" for s in styles) else None
    built: dict[str, tuple[Callable, Callable]] = {}

    def pick(value, which: int):
        if not isinstance(value, str):
            return value
        if value not in built:
            built[value] = auto_transforms(value, size, image_size)
        return built[value][which]

    return pick(train, 0), pick(evaluation, 1)


def first_image_size(datasets: Sequence[Optional[Dataset]]) -> Optional[tuple[int, int]]:
    """(height, width) of the first image of the first non-empty dataset."""
    for dataset in datasets:
        if dataset is not None and len(dataset):
            image = dataset[0][0]
            if isinstance(image, Image.Image):
                return image.height, image.width
            return int(image.shape[-2]), int(image.shape[-1])
    return None
