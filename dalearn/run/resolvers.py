"""dalearn's OmegaConf resolvers and the identity of a run (registered on import).

- ``${source_domain:A2W}`` → ``A`` and ``${target_domain:A2W}`` → ``W``: split a task key
  written ``<source>2<target>`` (also accepted: ``→`` or ``->`` as the separator).
- ``${run_hash:}`` → 8 hex digits identifying what a run computes: the resolved keys of
  :data:`HASHED_KEYS` (not where it writes, how it logs, or whether it resumes). Run
  directories are named with it, so the same command always lands in the same directory:
  a finished run is recognised and a killed one can be resumed.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from omegaconf import DictConfig, OmegaConf

HASHED_KEYS = ("data", "method", "backbone", "optim", "trainer", "selection", "seed")


def split_task(task: str) -> tuple[str, str]:
    """``'A2W'`` → ``('A', 'W')``; ``'Synthetic→Real'`` → ``('Synthetic', 'Real')``."""
    text = str(task)
    for separator in ("→", "->"):
        if separator in text:
            parts = text.split(separator)
            break
    else:
        parts = re.split(r"(?<=[A-Za-z])2(?=[A-Za-z])", text)
    if len(parts) != 2 or not all(parts):
        raise ValueError(
            f"cannot read the task key {task!r}: write it as <source>2<target>, e.g. A2W, Ar2Cl, c2p, clean2m"
        )
    return parts[0], parts[1]


def run_hash(root: DictConfig) -> str:
    """Stable 8-hex-digit hash of the configuration keys that determine the result."""
    resolved = {key: OmegaConf.select(root, key) for key in HASHED_KEYS if key in root}
    resolved = {
        key: OmegaConf.to_container(value, resolve=True) if OmegaConf.is_config(value) else value
        for key, value in resolved.items()
    }
    payload = json.dumps(resolved, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:8]


def _run_hash_resolver(*, _root_: DictConfig) -> str:
    return run_hash(_root_)


def register_resolvers() -> None:
    """Register dalearn's resolvers (idempotent)."""
    resolvers: dict[str, Any] = {
        "source_domain": lambda task: split_task(task)[0],
        "target_domain": lambda task: split_task(task)[1],
        "run_hash": _run_hash_resolver,
    }
    for name, resolver in resolvers.items():
        if not OmegaConf.has_resolver(name):
            OmegaConf.register_new_resolver(name, resolver)


register_resolvers()
