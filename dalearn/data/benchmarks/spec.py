"""What a benchmark dataset is: its domains, list files, class names, expected counts, archives.

A :class:`BenchmarkSpec` is plain data; loading (:mod:`.domains`), downloading
(:mod:`dalearn.data.download`) and verifying (:mod:`dalearn.data.verify`) all read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


@dataclass(frozen=True)
class Resource:
    """One archive to fetch: extracting ``archive`` yields the folder ``<root>/<folder>``.

    ``urls`` are tried in order until one delivers the archive: the dataset's own host first
    where it publishes this very folder, then the current mirrors. Every URL must serve the
    same content (a zip or a tar, told apart by content, holding the top-level ``folder/``);
    ``archive`` is only the local file name.

    ``sha256`` / ``size`` pin the archive where a checksum is published; where they are None
    the download is checked against the server's announced length and the archive is read
    through completely (every member's CRC or tar header) before anything is extracted.
    """

    folder: str
    archive: str
    urls: tuple[str, ...]
    sha256: Optional[str] = None
    size: Optional[int] = None

    def __post_init__(self) -> None:
        urls = (self.urls,) if isinstance(self.urls, str) else tuple(self.urls)
        if not urls or not all(isinstance(url, str) and "://" in url for url in urls):
            raise ValueError(f"Resource {self.folder!r}: urls must be a non-empty list of URLs, got {self.urls!r}")
        object.__setattr__(self, "urls", urls)


@dataclass(frozen=True)
class Domain:
    """A domain: its task key (``A``), full name (``amazon``), list files per split
    (relative to the root), the folder its images live in and the expected image counts."""

    key: str
    name: str
    lists: dict[str, str]
    folder: str
    layout: str
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class BenchmarkSpec:
    """A benchmark dataset.

    Args:
        name: the config / command-line name (``office31``).
        title: the human name (``Office-31``).
        classes: class names, index = label in the lists.
        domains: the domains, in the order tables list them.
        resources: archives that make up the dataset tree.
        tasks: the tasks of the published table, in its column order.
        train_split / test_split: the list split used for training and for the reported test
            (``all`` for datasets with one list per domain).
        homepage: where the dataset is described (for the manual-download message).
    """

    name: str
    title: str
    classes: tuple[str, ...]
    domains: tuple[Domain, ...]
    resources: tuple[Resource, ...]
    tasks: tuple[str, ...]
    train_split: str = "all"
    test_split: str = "all"
    homepage: str = ""

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def splits(self) -> tuple[str, ...]:
        """The list splits every domain has (``("all",)`` or ``("train", "test")``)."""
        return tuple(self.domains[0].lists)

    def domain(self, key: str) -> Domain:
        """The domain with task key or name ``key`` (exact first, then case-insensitive)."""
        for domain in self.domains:
            if key in (domain.key, domain.name):
                return domain
        for domain in self.domains:
            if key.lower() in (domain.key.lower(), domain.name.lower()):
                return domain
        known = ", ".join(f"{d.key} ({d.name})" for d in self.domains)
        raise ValueError(f"{self.name} has no domain {key!r}; choose one of {known}")

    def resource(self, folder: str) -> Resource:
        """The archive that provides ``<root>/<folder>``."""
        for resource in self.resources:
            if resource.folder == folder:
                return resource
        raise KeyError(f"{self.name} has no archive for folder {folder!r}")

    def download_command(self, root: str) -> str:
        return f"dalearn-data download {self.name} --root {root}"

    def verify_command(self, root: str) -> str:
        return f"dalearn-data verify {self.name} --root {root}"

    def layout(self, root: str, domains: Optional[tuple[Domain, ...]] = None) -> str:
        """The expected tree under ``root`` for ``domains`` (default: all), one path a line."""
        lines = []
        for domain in domains or self.domains:
            lines += [f"  {root}/{path}   (one 'relative/path label' a line)" for path in domain.lists.values()]
            lines.append(f"  {root}/{domain.layout}")
        return "\n".join(lines)
