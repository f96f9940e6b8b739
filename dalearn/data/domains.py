"""Domains built from a path or a name: what the ``data/source`` and ``data/target`` config
groups instantiate (``dalearn-train data=custom data/source=image_folder data.source.path=…``).

Each builder returns one domain as ``{"train": Dataset, "val": Dataset | None, "test":
Dataset | None}``, the shape :class:`~dalearn.data.DomainAdaptationDataModule` takes for
``source`` and ``target``. Every dataset has ``classes`` (names); the DataModule matches the
target's classes to the source's by name.

Kinds:

- :func:`image_folder` — an ImageFolder tree (``<class>/<image>``);
- :func:`image_list` — a text file of ``path label`` lines (the benchmarks' format);
- :func:`drift_folder` — a folder written by ``dalearn-drift``;
- :func:`offline` — an offline dataset (``digits`` or ``fashion_mnist``, a variant and a split);
- :func:`benchmark` — a domain of a benchmark dataset, ``office31:A``, ``visda:Real``, ….

``val`` and ``test`` take a path, recognised by what it is (:func:`open_images`: a
``dalearn-drift`` folder, an ImageFolder tree, or an image list file); ``test_fraction`` holds
out a fixed share of the training images instead (drawn with ``split_seed``), which are then
no longer trained on.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable, Optional

import numpy as np
from torch.utils.data import Dataset, Subset

from dalearn.data.image_folder import ImageFolder
from dalearn.data.image_list import ImageList, read_image_list

DRIFT_MARKER = "target.parquet"
Domain = dict[str, Optional[Dataset]]


class SubsetWithClasses(Subset):
    """A :class:`torch.utils.data.Subset` that keeps its dataset's ``classes``."""

    @property
    def classes(self) -> Optional[list[str]]:
        return getattr(self.dataset, "classes", None)


def _existing(path: str | Path, what: str) -> Path:
    path = Path(path).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"{what}={path} does not exist; give an existing folder or list file")
    return path


def read_class_names(classes: Any) -> Optional[list[str]]:
    """Class names from a list, or from a text file of one name a line (None stays None)."""
    if classes is None:
        return None
    if isinstance(classes, (str, os.PathLike)):
        path = _existing(classes, "classes")
        names = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        if not names:
            raise ValueError(f"classes={path} names no class; write one class name a line")
        return names
    return [str(name) for name in classes]


def image_list_dataset(path: str | Path, root: Optional[str | Path] = None, classes: Any = None) -> ImageList:
    """The images of the list file ``path`` (``relative/path label`` a line), relative to
    ``root`` (default: the list's folder). ``classes`` names the labels (a list or a file of
    one name a line); without it label ``i`` is named ``"i"``."""
    path = _existing(path, "path")
    root = Path(root).expanduser() if root is not None else path.parent
    names = read_class_names(classes)
    if names is None:
        labels = [label for _, label in read_image_list(path, root)]
        if not labels:
            raise ValueError(f"the image list {path} is empty; write one 'relative/path label' a line")
        names = [str(i) for i in range(max(labels) + 1)]
    return ImageList(root, path, names)


def drift_folder_dataset(path: str | Path) -> Dataset:
    """A ``dalearn-drift`` output folder as ``(PIL image, label)`` pairs."""
    from dalearn.drift.dataset import DriftedImageFolder

    return DriftedImageFolder(_existing(path, "path"), image_type="pil", channels=3)


def open_images(path: str | Path) -> Dataset:
    """A labelled dataset from a path, recognised by what it is: a folder holding
    ``target.parquet`` (a ``dalearn-drift`` output), any other folder (an ImageFolder tree), or
    a file (an image list, paths relative to its folder)."""
    path = _existing(path, "path")
    if path.is_dir():
        return drift_folder_dataset(path) if (path / DRIFT_MARKER).is_file() else ImageFolder(path)
    return image_list_dataset(path)


def holdout(dataset: Dataset, fraction: float, seed: int) -> tuple[Dataset, Dataset]:
    """``(rest, held out)``: a fixed ``fraction`` of ``dataset`` drawn with ``seed``."""
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1) to hold out a test split, got {fraction}")
    n = len(dataset)
    n_held = int(round(fraction * n))
    if n_held < 1 or n_held >= n:
        raise ValueError(f"test_fraction={fraction} of {n} images leaves no image on one side; use a larger domain")
    order = np.random.default_rng(seed).permutation(n)
    return (
        SubsetWithClasses(dataset, np.sort(order[n_held:]).tolist()),
        SubsetWithClasses(dataset, np.sort(order[:n_held]).tolist()),
    )


def make_domain(
    train: Dataset,
    val: Optional[str | Path | Dataset] = None,
    test: Optional[str | Path | Dataset] = None,
    test_fraction: float = 0.0,
    split_seed: int = 0,
    cache: Any = None,
    cache_side: Optional[int] = None,
) -> Domain:
    """``{"train", "val", "test"}`` from a training dataset and optional splits (paths are
    opened with :func:`open_images`). ``cache`` (``data.cache``) serves image folders and lists
    from a decoded-image cache (:mod:`dalearn.data.custom_cache`)."""
    from dalearn.data.custom_cache import maybe_cached

    train = maybe_cached(train, cache, cache_side)
    if test is not None and test_fraction:
        raise ValueError(
            f"give either test={test} or test_fraction={test_fraction}, not both: the test split is a separate "
            "folder/list or a share of the training images"
        )
    if test_fraction:
        train, test = holdout(train, float(test_fraction), int(split_seed))
    return {
        "train": train,
        "val": maybe_cached(open_images(val), cache, cache_side) if isinstance(val, (str, os.PathLike)) else val,
        "test": maybe_cached(open_images(test), cache, cache_side) if isinstance(test, (str, os.PathLike)) else test,
    }


def image_folder(
    path: str,
    val: Optional[str] = None,
    test: Optional[str] = None,
    test_fraction: float = 0.0,
    split_seed: int = 0,
    cache: Any = None,
    cache_side: Optional[int] = None,
) -> Domain:
    """A domain from an ImageFolder tree ``path/<class>/<image>``."""
    folder = ImageFolder(_existing(path, "path"))
    return make_domain(folder, val, test, test_fraction, split_seed, cache, cache_side)


def image_list(
    path: str,
    root: Optional[str] = None,
    classes: Any = None,
    val: Optional[str] = None,
    test: Optional[str] = None,
    test_fraction: float = 0.0,
    split_seed: int = 0,
    cache: Any = None,
    cache_side: Optional[int] = None,
) -> Domain:
    """A domain from an image list file (see :func:`image_list_dataset`)."""
    return make_domain(image_list_dataset(path, root, classes), val, test, test_fraction, split_seed, cache, cache_side)


def drift_folder(
    path: str, val: Optional[str] = None, test: Optional[str] = None, test_fraction: float = 0.0, split_seed: int = 0
) -> Domain:
    """A domain from a ``dalearn-drift`` output folder."""
    return make_domain(drift_folder_dataset(path), val, test, test_fraction, split_seed)


def offline(
    dataset: str = "digits",
    variant: str = "clean",
    split: str = "train",
    heldout_split: Optional[str] = None,
    role: str = "target",
    drift: Optional[Iterable[Any]] = None,
    root: Optional[str] = None,
    download: bool = False,
    test_fraction: float = 0.0,
    split_seed: int = 0,
) -> Domain:
    """A domain of an offline dataset (:mod:`dalearn.data.offline`): ``split`` is trained on;
    ``heldout_split`` (e.g. ``test``), when given, is the source's validation set
    (``role="source"``) or the target's test set (``role="target"``)."""
    from dalearn.data import offline as offline_data

    builders = {"digits": offline_data.digits, "fashion_mnist": offline_data.fashion_mnist}
    if dataset not in builders:
        raise ValueError(f"unknown offline dataset {dataset!r}; choose one of {sorted(builders)}")
    extra = {"root": root, "download": download} if dataset == "fashion_mnist" else {}
    build = lambda which: builders[dataset](split=which, variant=variant, drift=drift, **extra)
    held = build(heldout_split) if heldout_split else None
    if role not in ("source", "target"):
        raise ValueError(f"role must be source or target, got {role!r}")
    if role == "source":
        return make_domain(build(split), val=held, test_fraction=test_fraction, split_seed=split_seed)
    return make_domain(build(split), test=held, test_fraction=test_fraction, split_seed=split_seed)


def benchmark(
    domain: str,
    root: Optional[str] = None,
    split: Optional[str] = None,
    test_split: Optional[str] = None,
    decode_size: Optional[int] = 256,
    val: Optional[str] = None,
    test: Optional[str] = None,
    test_fraction: float = 0.0,
    split_seed: int = 0,
) -> Domain:
    """A domain of a benchmark dataset named ``dataset:domain`` (``office31:A``,
    ``office_home:Ar``, ``visda:Real``, ``domainnet:c``). ``root`` defaults to
    ``$DALEARN_DATA/<dataset>``, else ``data/<dataset>``; ``test_split`` (DomainNet:
    ``test``) names a list of the same domain to test on."""
    from dalearn.data.benchmarks import benchmark_domain

    dataset, sep, key = str(domain).partition(":")
    if not sep or not dataset or not key:
        raise ValueError(f"benchmark domain {domain!r} must read dataset:domain, e.g. office31:A or visda:Real")
    root = root or os.path.join(os.environ.get("DALEARN_DATA", "data"), dataset)
    train = benchmark_domain(dataset, root, domain=key, split=split, decode_size=decode_size)
    if test_split:
        test = benchmark_domain(dataset, root, domain=key, split=test_split, decode_size=decode_size)
    return make_domain(train, val, test, test_fraction, split_seed)
