"""Offline domains built from real data that needs no network:

- ``digits``: scikit-learn's bundled 1 797 handwritten digits (8×8, 10 classes), resized to
  ``size``×``size``; a fixed 70/30 train/test split (``split_seed``).
- ``fashion_mnist``: the 70 000 Fashion-MNIST images (28×28, 10 classes) with their official
  train/test split, read from Debian's ``dataset-fashion-mnist`` files, then from
  ``<root>/FashionMNIST/raw``, then downloaded through torchvision when ``download=True``.

Each comes in three domains (``variant``):

- ``clean`` — the grey images, as RGB;
- ``m`` — "-M" style, as MNIST-M was built from MNIST: each image is blended with a random
  patch of a natural colour photograph (scikit-learn's bundled ``china.jpg`` and
  ``flower.jpg``) as |patch − image|;
- ``drift`` — the drift transforms of :mod:`dalearn.drift.transforms` at given levels, with
  random parameters drawn per image (``drift``; default :data:`DEFAULT_DRIFT`: rotation up to
  ±27°, contrast ×[0.55, 1.45], noise σ = 0.15);
- ``strongdrift`` — the same transforms, stronger, plus blur (``strong_drift``; default
  :data:`STRONG_DRIFT`: rotation up to ±45°, contrast ×[0.1, 1.9], blur σ = 0.75, noise
  σ = 0.4): the offline benchmark's hard task, Digits → Digits-strongdrift, on which
  Source-Only stays below 50 % (benchmarks/RESULTS.md).

All images are float tensors in [0, 1], shape (3, size, size). Variants are deterministic in
``variant_seed`` and cached in memory for the life of the process.
"""

from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from dalearn.data.tensor_dataset import TensorImageDataset

DIGIT_CLASSES = [str(i) for i in range(10)]
FASHION_CLASSES = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
VARIANTS = ("clean", "m", "drift", "strongdrift")
SPLITS = ("train", "test")
DEFAULT_DRIFT = (("ROTATE", 0.3), ("CONTRAST", 0.15), ("GAUSSIAN_NOISE", 0.3))
STRONG_DRIFT = (("ROTATE", 0.5), ("CONTRAST", 0.3), ("GAUSSIAN_BLUR", 0.25), ("GAUSSIAN_NOISE", 0.8))


def _check(split: str, variant: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
    if variant not in VARIANTS:
        raise ValueError(f"unknown domain {variant!r}; the offline datasets have the domains {VARIANTS}")


def _drift_key(drift: Optional[Iterable[Any]], default: tuple = DEFAULT_DRIFT) -> tuple[tuple[str, float], ...]:
    if drift is None:
        return default
    key = []
    for item in drift:
        if isinstance(item, (list, tuple)):
            name, level = item
        else:
            name, level = item["transf_type"], item["drift_level"]
        key.append((str(name).upper(), float(level)))
    return tuple(key)


# --------------------------------------------------------------------------- raw data
@lru_cache(maxsize=4)
def _digits_raw(size: int) -> tuple[torch.Tensor, torch.Tensor]:
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = torch.from_numpy(digits.images).float().div_(16.0).unsqueeze(1)
    images = F.interpolate(images, size=(size, size), mode="bilinear", align_corners=False).clamp_(0.0, 1.0)
    return images, torch.from_numpy(digits.target).long()


def _digits_split(
    split: str, size: int, split_seed: int, test_fraction: float = 0.3
) -> tuple[torch.Tensor, torch.Tensor]:
    images, labels = _digits_raw(size)
    order = np.random.default_rng(split_seed).permutation(len(labels))
    n_test = int(round(test_fraction * len(labels)))
    index = torch.from_numpy(np.sort(order[:n_test] if split == "test" else order[n_test:]))
    return images[index], labels[index]


def _read_idx(path: Path) -> np.ndarray:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        data = handle.read()
    magic = int.from_bytes(data[:4], "big")
    ndim = magic & 0xFF
    if magic >> 8 != 0x08:
        raise ValueError(f"{path} is not an unsigned-byte IDX file (magic {magic:#x})")
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    array = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if array.size != int(np.prod(shape)):
        raise ValueError(f"{path} is truncated: expected {int(np.prod(shape))} values, found {array.size}")
    return array.reshape(shape)


def _idx_file(directory: Path, stem: str) -> Optional[Path]:
    for name in (f"{stem}.gz", stem):
        if (directory / name).is_file():
            return directory / name
    return None


def fashion_mnist_candidates(root: Optional[str]) -> list[Path]:
    """Where the Fashion-MNIST IDX files are looked for, in order."""
    candidates = [DEBIAN_FASHION_MNIST]
    if root:
        candidates.append(Path(root).expanduser() / "FashionMNIST" / "raw")
    return candidates


@lru_cache(maxsize=4)
def _fashion_raw(split: str, root: Optional[str], download: bool) -> tuple[torch.Tensor, torch.Tensor]:
    prefix = "train" if split == "train" else "t10k"
    stems = (f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte")
    tried = fashion_mnist_candidates(root)
    for directory in tried:
        files = [_idx_file(directory, stem) for stem in stems]
        if all(files):
            images, labels = (_read_idx(path) for path in files)
            return torch.from_numpy(images.copy()).float().div_(255.0).unsqueeze(1), torch.from_numpy(
                labels.astype(np.int64)
            )
    if download:
        if not root:
            raise ValueError("downloading Fashion-MNIST needs a data root: set data.root")
        import torchvision

        torchvision.datasets.FashionMNIST(str(Path(root).expanduser()), train=split == "train", download=True)
        return _fashion_raw(split, root, False)
    raise FileNotFoundError(
        f"Fashion-MNIST {split} files ({stems[0]}[.gz], {stems[1]}[.gz]) not found; tried "
        + ", ".join(str(p) for p in tried)
        + ". Install them with `apt-get install dataset-fashion-mnist` (Debian/Ubuntu), place the four "
        "IDX files in <root>/FashionMNIST/raw and set data.root=<root>, or set data.download=true"
    )


# --------------------------------------------------------------------------- domain shifts
@lru_cache(maxsize=1)
def _natural_photos() -> list[torch.Tensor]:
    from sklearn.datasets import load_sample_images

    return [
        torch.from_numpy(image.copy()).permute(2, 0, 1).float().div_(255.0) for image in load_sample_images().images
    ]


def blend_with_photos(images: torch.Tensor, seed: int) -> torch.Tensor:
    """MNIST-M style: |patch − image| with a random same-size crop of a natural photo per image.

    images: (N, 1 or 3, H, W) in [0, 1] → (N, 3, H, W) in [0, 1].
    """
    photos = _natural_photos()
    n, _, h, w = images.shape
    rng = np.random.default_rng(seed)
    which = rng.integers(len(photos), size=n)
    patches = torch.empty(n, 3, h, w)
    for i, k in enumerate(which):
        photo = photos[k]
        top = rng.integers(photo.shape[1] - h + 1)
        left = rng.integers(photo.shape[2] - w + 1)
        patches[i] = photo[:, top : top + h, left : left + w]
    return (patches - images.expand(-1, 3, -1, -1)).abs()


def drift_images(images: torch.Tensor, drift: Sequence[tuple[str, float]], seed: int) -> torch.Tensor:
    """Apply the drift generator's transforms (per-image random parameters) to a batch of
    grey images, then expand to RGB. Drifting the one grey channel is 3× cheaper than drifting
    an RGB copy; colour transforms leave grey pixels grey either way, and the noise is grey."""
    from dalearn.drift.transforms import ImageTransform, TransformInfo, apply_drift

    transforms = [TransformInfo(transf_type=ImageTransform.parse(name), drift_level=level) for name, level in drift]
    generator = torch.Generator().manual_seed(seed)
    return apply_drift(images, transforms, generator).expand(-1, 3, -1, -1).contiguous()


def _make_variant(images: torch.Tensor, variant: str, drift: tuple, seed: int) -> torch.Tensor:
    """``drift`` is the level list of the variant: ``drift``'s or ``strongdrift``'s."""
    if variant == "m":
        return blend_with_photos(images, seed)
    if variant in ("drift", "strongdrift"):
        return drift_images(images, drift, seed)
    return images.expand(-1, 3, -1, -1).contiguous()


@lru_cache(maxsize=16)
def _cached_digits(split: str, variant: str, size: int, drift: tuple, seed: int, split_seed: int) -> TensorImageDataset:
    images, labels = _digits_split(split, size, split_seed)
    variant_seed = seed * 2 + (split == "test")
    return TensorImageDataset(
        _make_variant(images, variant, drift, variant_seed), labels, DIGIT_CLASSES, f"digits-{variant}-{split}"
    )


@lru_cache(maxsize=16)
def _cached_fashion(
    split: str, variant: str, root: Optional[str], download: bool, drift: tuple, seed: int, limit: Optional[int]
) -> TensorImageDataset:
    images, labels = _fashion_raw(split, root, download)
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    variant_seed = seed * 2 + (split == "test")
    return TensorImageDataset(
        _make_variant(images, variant, drift, variant_seed), labels, FASHION_CLASSES, f"fashion_mnist-{variant}-{split}"
    )


def digits(
    split: str = "train",
    variant: str = "clean",
    size: int = 28,
    drift: Optional[Iterable[Any]] = None,
    variant_seed: int = 0,
    split_seed: int = 0,
    strong_drift: Optional[Iterable[Any]] = None,
) -> TensorImageDataset:
    """A domain of scikit-learn's digits; see the module docstring."""
    _check(split, variant)
    levels = _variant_drift(variant, drift, strong_drift)
    return _cached_digits(split, variant, int(size), levels, int(variant_seed), int(split_seed))


def fashion_mnist(
    split: str = "train",
    variant: str = "clean",
    root: Optional[str] = None,
    download: bool = False,
    drift: Optional[Iterable[Any]] = None,
    variant_seed: int = 0,
    limit: Optional[int] = None,
    strong_drift: Optional[Iterable[Any]] = None,
) -> TensorImageDataset:
    """A domain of Fashion-MNIST; see the module docstring. ``limit`` keeps the first N images."""
    _check(split, variant)
    root = str(root) if root else None
    levels = _variant_drift(variant, drift, strong_drift)
    return _cached_fashion(split, variant, root, bool(download), levels, int(variant_seed), limit)


def _variant_drift(variant: str, drift: Optional[Iterable[Any]], strong_drift: Optional[Iterable[Any]]) -> tuple:
    """The drift levels ``variant`` applies (``()`` for the variants that apply none, so that
    their cache entry does not depend on the levels)."""
    if variant == "drift":
        return _drift_key(drift)
    if variant == "strongdrift":
        return _drift_key(strong_drift, STRONG_DRIFT)
    return ()
