"""Hydra/OmegaConf glue: the config directory, custom resolvers and the run identity.

Resolvers (registered on import):

- ``${source_domain:A2W}`` → ``A`` and ``${target_domain:A2W}`` → ``W``: split a task key
  written ``<source>2<target>`` (also accepted: ``→`` or ``->`` as the separator).
- ``${run_hash:}`` → 8 hex digits identifying what a run computes: the resolved ``data``,
  ``method``, ``backbone``, ``optim``, ``trainer``, ``selection`` and ``seed`` (not where it
  writes, how it logs, or whether it resumes). Run directories are named with it, so the
  same command always lands in the same directory: a finished run is recognised and a
  killed one can be resumed.
"""

from __future__ import annotations

import hashlib
import json
import re
import warnings
from pathlib import Path
from typing import Any

from hydra.errors import InstantiationException
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

CONFIG_DIR = str(Path(__file__).resolve().parent / "conf")
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


def build(node: Any, **kwargs: Any) -> Any:
    """``hydra.utils.instantiate(node, **kwargs)``, raising the constructor's own exception.

    Hydra wraps whatever a ``_target_`` raises in an ``InstantiationException`` whose message
    is the ``repr`` of the original; a user then reads "Error in call to target …" above the
    message that says what to fix. This re-raises the original exception (its type, message
    and traceback intact) with a note naming the config key it came from, so that
    ``FileNotFoundError``/``ValueError`` reach the user and the tests as themselves.
    """
    try:
        return instantiate(node, **kwargs)
    except InstantiationException as error:
        cause = error.__cause__
        if not isinstance(cause, Exception):
            raise
        key = re.search(r"full_key: (\S+)", str(error))
        if key and hasattr(cause, "add_note"):
            cause.add_note(f"(raised while building the config node {key.group(1)})")
        raise cause from None


def quiet_known_warnings() -> None:
    """Silence warnings the command-line user can do nothing about: Lightning's use of a
    torch pytree API that torch ≥ 2.10 deprecates (printed once per run otherwise)."""
    warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\)")


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
