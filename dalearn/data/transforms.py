"""The recipes' image transforms: square resize, crop, flip, normalise.

The published recipes square-resize every image to 256 × 256 (aspect ratio not kept), then take
a RandomResizedCrop(224, scale 0.08–1) and a horizontal flip for training (VisDA: a 224 centre
crop and a flip), and a 224 centre crop for evaluation, then normalise with the ImageNet
statistics.

:class:`SquareResizeCrop` does the resize and the crop as one step. By default it performs the
reference's two resamplings and gives the same pixels as the torchvision steps (for the same
seed). With ``single_resample=True`` it maps the crop box drawn on the 256 × 256 canvas back onto
the source image and resamples that box once: the same boxes (same geometry, same RNG draws),
slightly sharper pixels where a small crop is enlarged, and less work. Most of the speed-up of
the training pipeline comes from reduced-size JPEG decoding instead
(:class:`dalearn.data.image_list.ImageList` ``decode_size``); ``benchmarks/data_pipeline.py``
measures both.

The same transforms also take the uint8 ``(3, 256, 256)`` tensors of the decoded-image cache
(:mod:`dalearn.data.cache`): the square resize is already done, the crop box is drawn from the
same RNG calls, and the crop is resized with ``torchvision.transforms.v2``'s antialiased
bilinear filter on uint8 (close to Pillow's, within a level or two). :class:`RecipeTransform`
keeps its parameters, so the DataModule can run the same augmentation batched on the GPU
(:meth:`RecipeTransform.batched`, :class:`dalearn.data.batch_augment.BatchAugment`).
"""

from __future__ import annotations

from typing import Callable, Sequence

import torch
from PIL import Image
from torchvision import transforms as T
from torchvision.transforms import InterpolationMode
from torchvision.transforms import functional as F
from torchvision.transforms.v2 import functional as F2

from dalearn.data.batch_augment import INTERPOLATION_MODES, BatchAugment

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

_RESAMPLE = {
    "nearest": Image.Resampling.NEAREST,
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
    "lanczos": Image.Resampling.LANCZOS,
}
CROPS = ("random", "center")


class SquareResizeCrop:
    """Square resize to ``resize`` × ``resize``, then crop to ``size`` × ``size``.

    Args:
        size: output side in pixels (224 in the recipes).
        resize: side of the square the reference resizes to first (256).
        crop: ``"random"`` — RandomResizedCrop(size, scale, ratio) on the square;
            ``"center"`` — a ``size`` centre crop of the square.
        scale, ratio: RandomResizedCrop's area fraction and aspect ratio ranges.
        interpolation: ``bilinear`` (the reference), ``bicubic``, ``lanczos`` or ``nearest``.
        single_resample: False — resize, then crop and resize the crop, as the reference
            (identical pixels); True — resample the crop's box of the source image once.

    Takes and returns a PIL image, or a uint8 tensor (C, H, W) such as the decoded-image cache
    serves (then ``single_resample`` does not apply: the square is stored, the crop is resampled
    once); draws its random numbers from torch's global RNG (seeded per worker by the
    DataModule), exactly as ``torchvision.transforms.RandomResizedCrop``.
    """

    def __init__(
        self,
        size: int = 224,
        resize: int = 256,
        crop: str = "random",
        scale: Sequence[float] = (0.08, 1.0),
        ratio: Sequence[float] = (3 / 4, 4 / 3),
        interpolation: str = "bilinear",
        single_resample: bool = False,
    ) -> None:
        if crop not in CROPS:
            raise ValueError(f"crop must be one of {CROPS}, got {crop!r}")
        if interpolation not in _RESAMPLE:
            raise ValueError(f"interpolation must be one of {sorted(_RESAMPLE)}, got {interpolation!r}")
        if not 0 < size <= resize:
            raise ValueError(f"need 0 < size <= resize, got size={size}, resize={resize}")
        if not (0 < scale[0] <= scale[1] <= 1 and 0 < ratio[0] <= ratio[1]):
            raise ValueError(f"need 0 < scale[0] <= scale[1] <= 1 and 0 < ratio[0] <= ratio[1], got {scale}, {ratio}")
        self.size = int(size)
        self.resize = int(resize)
        self.crop = crop
        self.scale = (float(scale[0]), float(scale[1]))
        self.ratio = (float(ratio[0]), float(ratio[1]))
        self.interpolation = interpolation
        self.single_resample = bool(single_resample)
        self._canvas = torch.empty(()).expand(1, self.resize, self.resize)

    def box(self) -> tuple[int, int, int, int]:
        """(top, left, height, width) of the next crop on the ``resize`` × ``resize`` canvas."""
        if self.crop == "center":
            offset = int(round((self.resize - self.size) / 2.0))
            return offset, offset, self.size, self.size
        return T.RandomResizedCrop.get_params(self._canvas, list(self.scale), list(self.ratio))

    def __call__(self, image: Image.Image | torch.Tensor) -> Image.Image | torch.Tensor:
        if torch.is_tensor(image):
            return self._crop_tensor(image)
        if not isinstance(image, Image.Image):
            raise TypeError(
                f"SquareResizeCrop takes a PIL image or a uint8 tensor, got {type(image).__name__}; "
                f"put it before ToTensor"
            )
        resample = _RESAMPLE[self.interpolation]
        top, left, height, width = self.box()
        if not self.single_resample:
            square = image.resize((self.resize, self.resize), resample)
            return square.crop((left, top, left + width, top + height)).resize((self.size, self.size), resample)
        sx, sy = image.width / self.resize, image.height / self.resize
        source_box = (left * sx, top * sy, (left + width) * sx, (top + height) * sy)
        return image.resize((self.size, self.size), resample, box=source_box)

    def _crop_tensor(self, image: torch.Tensor) -> torch.Tensor:
        if image.dtype != torch.uint8 or image.dim() != 3:
            raise TypeError(
                f"SquareResizeCrop takes a PIL image or a uint8 (C, H, W) tensor, got {image.dtype} {tuple(image.shape)}"
            )
        mode = INTERPOLATION_MODES[self.interpolation]
        if tuple(image.shape[-2:]) != (self.resize, self.resize):
            image = F2.resize(image, [self.resize, self.resize], mode, antialias=True)
        top, left, height, width = self.box()
        crop = image[:, top : top + height, left : left + width]
        if (height, width) == (self.size, self.size):
            return crop
        if mode not in (InterpolationMode.BILINEAR, InterpolationMode.BICUBIC):
            return F2.resize(crop, [self.size, self.size], mode, antialias=True)
        # torch's uint8 antialiased kernel (the one torchvision's resize calls) on a packed
        # channels-last copy of the crop: about twice as fast as handing it the strided view
        packed = crop.unsqueeze(0).contiguous(memory_format=torch.channels_last)
        resized = torch.nn.functional.interpolate(
            packed, size=(self.size, self.size), mode=mode.value, antialias=True, align_corners=False
        )
        return resized[0]

    def __repr__(self) -> str:
        return (
            f"SquareResizeCrop(size={self.size}, resize={self.resize}, crop={self.crop!r}, "
            f"scale={self.scale}, ratio={self.ratio}, interpolation={self.interpolation!r}, "
            f"single_resample={self.single_resample})"
        )


class ToNormalizedTensor:
    """PIL image or uint8 tensor → float tensor (C, H, W) normalised by ``mean``/``std`` (on the
    0–1 scale).

    Same values as ``ToTensor()`` followed by ``Normalize(mean, std)``, in one pass over the pixels.
    """

    def __init__(self, mean: Sequence[float] = IMAGENET_MEAN, std: Sequence[float] = IMAGENET_STD) -> None:
        if len(mean) != len(std) or any(s <= 0 for s in std):
            raise ValueError(f"mean and std need the same length and std > 0, got {mean}, {std}")
        self.mean = tuple(float(m) for m in mean)
        self.std = tuple(float(s) for s in std)
        self._offset = torch.tensor(self.mean).view(-1, 1, 1) * 255.0
        self._scale = torch.tensor(self.std).view(-1, 1, 1) * 255.0

    def __call__(self, image: Image.Image | torch.Tensor) -> torch.Tensor:
        pixels = image if torch.is_tensor(image) else F.pil_to_tensor(image)
        if pixels.shape[0] != len(self.mean):
            raise ValueError(f"image has {pixels.shape[0]} channels but mean/std have {len(self.mean)}")
        return pixels.to(torch.float32, memory_format=torch.contiguous_format).sub_(self._offset).div_(self._scale)

    def __repr__(self) -> str:
        return f"ToNormalizedTensor(mean={self.mean}, std={self.std})"


class RecipeTransform(T.Compose):
    """The recipes' training transform (square resize → crop → optional flip → normalise), which
    remembers its parameters so the same augmentation can run batched on the GPU (:meth:`batched`).

    ``crop="random"`` for Office/DomainNet, ``crop="center"`` for VisDA; see
    :class:`SquareResizeCrop` for ``single_resample``. Configs name it ``train_transform``.
    """

    def __init__(
        self,
        crop: str = "random",
        size: int = 224,
        resize: int = 256,
        flip: bool = True,
        scale: Sequence[float] = (0.08, 1.0),
        ratio: Sequence[float] = (3 / 4, 4 / 3),
        mean: Sequence[float] = IMAGENET_MEAN,
        std: Sequence[float] = IMAGENET_STD,
        single_resample: bool = False,
    ) -> None:
        steps: list[Callable] = [SquareResizeCrop(size, resize, crop, scale, ratio, single_resample=single_resample)]
        if flip:
            steps.append(T.RandomHorizontalFlip())
        steps.append(ToNormalizedTensor(mean, std))
        super().__init__(steps)
        self.crop, self.size, self.resize, self.flip = crop, int(size), int(resize), bool(flip)
        self.scale, self.ratio = tuple(scale), tuple(ratio)
        self.mean, self.std = tuple(mean), tuple(std)

    def batched(self) -> BatchAugment:
        """The same augmentation for a batch of cached uint8 squares, on any device."""
        return BatchAugment(self.crop, self.size, self.resize, self.flip, self.scale, self.ratio, self.mean, self.std)


# The name the recipes' configs instantiate (``_target_: dalearn.data.transforms.train_transform``).
train_transform = RecipeTransform


def eval_transform(
    size: int = 224, resize: int = 256, mean: Sequence[float] = IMAGENET_MEAN, std: Sequence[float] = IMAGENET_STD
) -> RecipeTransform:
    """The recipes' evaluation transform: square resize ``resize`` → centre crop ``size``."""
    return RecipeTransform("center", size, resize, flip=False, mean=mean, std=std)


def reference_train_transform(crop: str = "random", size: int = 224, resize: int = 256, flip: bool = True) -> Callable:
    """The reference pipeline in torchvision steps: the baseline :func:`train_transform` is
    measured and checked against."""
    if crop not in CROPS:
        raise ValueError(f"crop must be one of {CROPS}, got {crop!r}")
    steps: list[Callable] = [T.Resize((resize, resize))]
    steps.append(T.RandomResizedCrop(size) if crop == "random" else T.CenterCrop(size))
    if flip:
        steps.append(T.RandomHorizontalFlip())
    steps += [T.ToTensor(), T.Normalize(IMAGENET_MEAN, IMAGENET_STD)]
    return T.Compose(steps)


def reference_eval_transform(size: int = 224, resize: int = 256) -> Callable:
    """The reference evaluation pipeline, step by step."""
    return T.Compose(
        [T.Resize((resize, resize)), T.CenterCrop(size), T.ToTensor(), T.Normalize(IMAGENET_MEAN, IMAGENET_STD)]
    )
