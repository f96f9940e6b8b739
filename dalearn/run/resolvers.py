"""dalearn's OmegaConf resolvers and the identity of a run (registered on import).

- ``${source_domain:A2W}`` → ``A`` and ``${target_domain:A2W}`` → ``W``: split a task key
  written ``<source>2<target>`` (also accepted: ``→`` or ``->`` as the separator).
- ``${run_hash:}`` → 8 hex digits identifying what a run computes. Run directories are
  named with it, so the same command always lands in the same directory: a finished run is
  recognised and a killed one can be resumed.
- ``${path_part:${data.name},data.name}`` → the value, refused (before Hydra creates the run
  directory) when it would lead out of the folder it is a part of: a separator, ``..``, an
  absolute path (:func:`dalearn.io.ownership.path_part`).
- ``${domain_task:${.source},${.target}}`` → the task name of ``data=custom``, made from the two
  domain nodes themselves (:func:`domain_task`), so that runs on different image sets are never
  counted as one task by ``dalearn-collect`` and ``dalearn-select``.

Each of them computes from the configuration only; they are the dalearn resolvers a config from
someone else may use (:mod:`dalearn.io.trusted.allowlist`).

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
import os
import re
from typing import Any

from omegaconf import DictConfig, OmegaConf

from dalearn.io.ownership import path_part

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


#: keys of a domain node (conf/data/source/*.yaml, conf/data/target/*.yaml) that name files.
PATH_KEYS = ("path", "root", "val", "test", "classes")


def domain_label(node: Any) -> str:
    """``<name>#<6 hex>`` for one domain node of ``data=custom``: a readable name (the folder or
    list file's name, ``office31:A``, ``digits:drift``) and a digest of every setting of the
    node, with its paths made absolute — two image sets are one domain only when they are read
    from the same files in the same way."""
    plain = OmegaConf.to_container(node, resolve=True) if OmegaConf.is_config(node) else dict(node or {})
    for key in PATH_KEYS:
        value = plain.get(key)
        if isinstance(value, str) and value:
            plain[key] = os.path.abspath(os.path.expanduser(value))
    if plain.get("domain"):
        name = str(plain["domain"])
    elif plain.get("dataset"):
        name = f"{plain['dataset']}:{plain.get('variant', '')}"
    elif plain.get("path"):
        name = os.path.basename(os.path.normpath(str(plain["path"])))
    else:
        name = str(plain.get("_target_", "domain")).rsplit(".", 1)[-1]
    digest = hashlib.sha256(json.dumps(plain, sort_keys=True, default=str).encode()).hexdigest()[:6]
    return f"{name}#{digest}"


def domain_task(source: Any, target: Any) -> str:
    """``<source label>→<target label>`` (:func:`domain_label`): the task key of ``data=custom``."""
    return f"{domain_label(source)}→{domain_label(target)}"


def register_resolvers() -> None:
    """Register dalearn's resolvers (idempotent)."""
    resolvers: dict[str, Any] = {
        "source_domain": lambda task: split_task(task)[0],
        "target_domain": lambda task: split_task(task)[1],
        "run_hash": _run_hash_resolver,
        "path_part": path_part,
        "domain_task": domain_task,
    }
    for name, resolver in resolvers.items():
        if not OmegaConf.has_resolver(name):
            OmegaConf.register_new_resolver(name, resolver)


register_resolvers()
