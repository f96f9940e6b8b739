"""Build the dataset of one benchmark domain, refusing a missing or incomplete tree up front.

:func:`benchmark_domain` is what the data configs instantiate. It checks that the list file and
every image it names exist before returning, so a run against a wrong ``data.root`` stops at
config instantiation — before a model is built — with the expected layout and the command that
fetches the data.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

from dalearn.data.benchmarks.registry import get_benchmark
from dalearn.data.benchmarks.spec import BenchmarkSpec, Domain
from dalearn.data.benchmarks.tasks import parse_task
from dalearn.data.cache import cache_image_list, resolve_cache_dir
from dalearn.data.image_list import ImageList, missing_images, read_image_list

ROLES = ("source", "target")


class DatasetNotReadyError(FileNotFoundError):
    """The dataset root lacks a list file or images a domain needs.

    Its ``repr`` is the readable multi-line message: Hydra's ``instantiate`` reports the
    ``repr`` of a constructor's exception, which would otherwise print the layout as one line
    of escaped newlines.
    """

    def __repr__(self) -> str:
        return f"{type(self).__name__}: {self}"


def _not_ready(spec: BenchmarkSpec, root: str, domain: Domain, problem: str) -> DatasetNotReadyError:
    root = os.path.abspath(root)
    return DatasetNotReadyError(
        f"{spec.title} domain {domain.key} ({domain.name}) is not ready under {root}: {problem}\n"
        f"Expected layout:\n{spec.layout(root, (domain,))}\n"
        f"Get it with:    {spec.download_command(root)}\n"
        f"Check it with:  {spec.verify_command(root)}\n"
        f"(or point data.root at the directory that holds image_list/)"
    )


def resolve_domain(spec: BenchmarkSpec, domain: Optional[str], task: Optional[str], role: str) -> Domain:
    """The domain named by ``domain`` if given, else the ``role`` side of ``task``."""
    if domain is not None and str(domain) != "":
        return spec.domain(str(domain))
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, got {role!r}")
    if task is None:
        raise ValueError(f"{spec.name}: give data.task (e.g. {spec.tasks[0]}) or the {role} domain explicitly")
    source, target = parse_task(spec, task)
    return source if role == "source" else target


def check_domain_files(spec: BenchmarkSpec, root: str | Path, domain: Domain, split: str) -> Path:
    """Raise :class:`DatasetNotReadyError` unless ``domain``'s ``split`` list and all its images
    exist under ``root``; return the list file's path."""
    root = str(root)
    if split not in domain.lists:
        raise ValueError(f"{spec.name} has splits {sorted(domain.lists)}, not {split!r}")
    if not os.path.isdir(root):
        raise _not_ready(spec, root, domain, "the directory does not exist")
    list_file = Path(root) / domain.lists[split]
    if not list_file.is_file():
        raise _not_ready(spec, root, domain, f"the list {list_file} is missing")
    samples = read_image_list(list_file, root)
    if not samples:
        raise _not_ready(
            spec,
            root,
            domain,
            f"the list {list_file} names no images (it is empty); replace it with the published list "
            f"(delete it and fetch it again with the command below)",
        )
    missing = missing_images([path for path, _ in samples])
    if missing:
        shown = "\n".join(f"  {path}" for path in missing[:3])
        raise _not_ready(spec, root, domain, f"{len(missing)} images named in {list_file} are missing, e.g.\n{shown}")
    return list_file


def benchmark_domain(
    name: str,
    root: str | Path,
    domain: Optional[str] = None,
    task: Optional[str] = None,
    role: str = "source",
    split: Optional[str] = None,
    decode_size: Optional[int] = 256,
    check_files: bool = True,
    cache: Any = None,
    cache_side: int = 256,
    cache_workers: Optional[int] = None,
) -> Any:
    """The :class:`~dalearn.data.image_list.ImageList` of one domain of benchmark ``name``.

    Args:
        name: ``office31``, ``office_home``, ``visda`` or ``domainnet``.
        root: the dataset root (the directory holding ``image_list/``).
        domain: a domain key or name (``A``, ``amazon``); overrides ``task``.
        task: a task key (``A2W``); with ``role`` it picks the source or the target domain.
        role: ``source`` or ``target``.
        split: which list (``train``/``test`` for DomainNet); default: the dataset's training split.
        decode_size: reduced-size JPEG decoding (see ImageList); None decodes at full size.
        check_files: check that every listed image exists (a directory listing per folder).
        cache: ``data.cache`` — None: decode every image every epoch (an ImageList); True /
            ``"auto"``: a decoded-image cache under ``<root>/.dalearn-cache``; a folder: the cache
            there (a :class:`~dalearn.data.cache.CachedImageList`, built on first use).
        cache_side: the square side the cache stores (the recipe's resize, 256).
        cache_workers: decoding threads for a build (default: up to 8).
    """
    spec = get_benchmark(name)
    chosen = resolve_domain(spec, domain, task, role)
    split = split or spec.train_split
    if check_files:
        list_file = check_domain_files(spec, root, chosen, split)
    else:
        list_file = Path(root) / chosen.lists[split]
    images = ImageList(root, list_file, spec.classes, decode_size=decode_size)
    if resolve_cache_dir(cache, root) is None:
        return images
    return cache_image_list(images, cache, side=cache_side, workers=cache_workers)
