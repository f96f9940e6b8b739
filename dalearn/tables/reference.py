"""What the tables know about datasets and methods: the published method order and names,
each dataset's task order, domain keys and column labels, which accuracy its table reports,
and the published reference numbers (the "paper" column).

The facts live in ``reference.json`` next to this file, generated from the benchmarks' recipe
tables (``dalearn/recipes/<benchmark>.yaml``: each row's ``label`` and ``paper`` number, each
table's ``datasets`` and ``paper`` source) by ``dalearn-recipes --write``; this
module only reads them. A dataset with ``paper`` numbers is a
*published* benchmark: it gets a table of its own, its published task order, and an Avg over
the tasks of the published average.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

REFERENCE_FILE = Path(__file__).resolve().parent / "reference.json"


@dataclass(frozen=True)
class DatasetInfo:
    """One dataset family (``office31``, ``digits``): see ``reference.json``."""

    name: str
    title: str
    metric: str
    tasks: tuple[str, ...]
    domains: dict[str, str]
    labels: dict[str, str]
    paper_source: Optional[str]
    paper_numbers: dict[str, Optional[float]]

    @property
    def published(self) -> bool:
        return self.paper_source is not None

    def domain_key(self, domain: str) -> str:
        """The task key of ``domain`` given by key or full name (``amazon`` → ``A``)."""
        for key, name in self.domains.items():
            if domain in (key, name):
                return key
        lowered = domain.lower()
        for key, name in self.domains.items():
            if lowered in (key.lower(), name.lower()):
                return key
        return domain

    def label(self, domain_key: str) -> str:
        return self.labels.get(domain_key, domain_key)


@lru_cache(maxsize=1)
def _load() -> dict:
    return json.loads(REFERENCE_FILE.read_text(encoding="utf-8"))


def method_order() -> list[str]:
    """Method names in the order of the published tables."""
    return [name for name, _ in _load()["methods"]]


def method_label(name: str) -> str:
    """``source_only`` → ``Source Only``; unknown names are shown as they are."""
    return dict(_load()["methods"]).get(name, name)


def dataset_info(name: str) -> Optional[DatasetInfo]:
    """The reference entry of dataset family ``name``, or None for a dataset it does not know."""
    entry = _load()["datasets"].get(name)
    if entry is None:
        return None
    paper = entry.get("paper") or {}
    return DatasetInfo(
        name=name,
        title=entry["title"],
        metric=entry["metric"],
        tasks=tuple(entry["tasks"]),
        domains=dict(entry["domains"]),
        labels=dict(entry["labels"]),
        paper_source=paper.get("source"),
        paper_numbers=dict(paper.get("numbers", {})),
    )


def known_datasets() -> list[str]:
    return list(_load()["datasets"])
