"""dalearn's OmegaConf resolvers and the identity of a run (registered on import).

- ``${source_domain:A2W}`` → ``A`` and ``${target_domain:A2W}`` → ``W``: split a task key
  written ``<source>2<target>`` (also accepted: ``→`` or ``->`` as the separator).
- ``${run_hash:}`` → 8 hex digits identifying what a run computes. Run directories are
  named with it, so the same command always lands in the same directory: a finished run is
  recognised and a killed one can be resumed.

What the hash covers: **every key of the composed config except** :data:`EXCLUDED_KEYS` —
so a key added later is part of a run's identity by default. The exclusions change where a
run writes, how it reports or whether it resumes, never its numbers:

- ``hydra``, ``paths`` — output locations (a value elsewhere that interpolates them, such
  as ``callbacks.model_checkpoint.dirpath: ${paths.run_dir}/checkpoints``, is hashed as
  written, not resolved);
- ``logger`` — CSV or TensorBoard;
- ``resume``, ``overwrite``, ``ckpt_path`` — how this attempt starts;
- ``print_config``, ``cpu_threads``, ``trust_config`` — printing, threads (the CPU kernels
  give the same numbers), and a ``dalearn-eval`` switch;
- ``objective`` — which score a run returns to a Hydra sweeper (:mod:`dalearn.selection.objective`);
- ``trainer.enable_progress_bar``, ``trainer.enable_model_summary`` — console output.

Everything else is hashed, e.g. ``data``, ``method``, ``backbone``, ``optim``, ``trainer``
(its other keys), ``callbacks``, ``selection``, ``seed``, ``channels_last``.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from omegaconf import DictConfig, OmegaConf

EXCLUDED_KEYS = (
    "hydra",
    "paths",
    "logger",
    "resume",
    "overwrite",
    "ckpt_path",
    "print_config",
    "cpu_threads",
    "trust_config",
    "objective",
    "trainer.enable_progress_bar",
    "trainer.enable_model_summary",
)
# The config groups a results table compares runs by (dalearn.tables); the hash covers these
# and every other key outside EXCLUDED_KEYS.
HASHED_KEYS = ("data", "method", "backbone", "optim", "trainer", "selection", "seed")
_UNRESOLVED_REFERENCES = ("${paths.", "${hydra:", "${run_hash:", "${logger.")


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


def hashed_config(root: DictConfig) -> dict[str, Any]:
    """The part of ``root`` :func:`run_hash` covers, as plain data (see the module docstring)."""
    return _hashed(root, "")


def _hashed(node: Any, prefix: str) -> Any:
    if OmegaConf.is_list(node):
        return [_leaf(node, index, f"{prefix}[{index}]") for index in range(len(node))]
    result = {}
    for key in node.keys():
        path = f"{prefix}.{key}" if prefix else str(key)
        if path in EXCLUDED_KEYS:
            continue
        result[str(key)] = _leaf(node, key, path)
    return result


def _leaf(node: Any, key: Any, path: str) -> Any:
    if OmegaConf.is_interpolation(node, key):
        raw = node._get_node(key)._value()
        if any(reference in str(raw) for reference in _UNRESOLVED_REFERENCES):
            return str(raw)
        try:
            value = node[key]
        except Exception:
            return str(raw)
    else:
        value = node._get_node(key)._value() if not OmegaConf.is_config(node._get_node(key)) else node[key]
    if OmegaConf.is_config(value):
        return _hashed(value, path)
    return value


def run_hash(root: DictConfig) -> str:
    """Stable 8-hex-digit hash of every configuration key that can change the result."""
    payload = json.dumps(hashed_config(root), sort_keys=True, default=str)
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
