"""Finding the run directories of a sweep and reading what they hold — only their files
(``config.yaml``, ``metrics.json``, ``done``); nothing is recomputed.

A folder is a run directory when it holds ``config.yaml`` (the resolved configuration
``dalearn-train`` writes before training) or ``.hydra/config.yaml`` (Hydra's copy, written
as soon as the job starts — so a run that failed before training is still found, and shown
as incomplete). A run is *finished* when it has both ``done`` and ``metrics.json``.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from omegaconf import DictConfig, OmegaConf

from dalearn.io import progress
from dalearn.io.trusted.configs import load_config
from dalearn.run.resolvers import HASHED_KEYS
from dalearn.run.rundir import RunDirectory
from dalearn.tables.errors import CollectError
from dalearn.tables.reference import dataset_info

SKIPPED_FOLDERS = {"tables", "checkpoints", "logs", "tensorboard"}
#: method keys that name another run's checkpoint (SHOT's ``source_ckpt``, self-training's
#: ``init_ckpt``). A recipe points them at the run of the same task and seed, so the resolved
#: paths differ from seed to seed; a row compares them with that task and seed written
#: generically (``<data>``, ``seed<seed>``): the seeds of one recipe share a row, while starting
#: points from different methods remain different settings.
CHECKPOINT_KEYS = ("source_ckpt", "init_ckpt")


@dataclass(frozen=True)
class Run:
    """One run directory, as the tables see it.

    ``dataset`` is the data family (``office31``, ``digits``), ``task`` the canonical task
    key (``A2W``; empty for data without a task), ``data_name`` the data configuration's
    ``data.name`` as the run recorded it (part of the task identity ``dalearn-select`` ranks
    by), ``method_config`` the method's settings
    (JSON, without its name) so that variants of one method can be told apart, and
    ``identity`` the configuration keys that determine the result (for error messages).
    """

    path: Path
    dataset: str
    task: str
    source: Optional[str]
    target: Optional[str]
    method: str
    method_config: str
    seed: int
    data_name: str
    identity: dict[str, Any]
    metrics: Optional[dict[str, Any]]

    @property
    def finished(self) -> bool:
        return self.metrics is not None


def find_run_dirs(root: Path) -> list[Path]:
    """Every run directory under ``root`` (``root`` itself if it is one), sorted."""
    found = []
    for current, folders, _ in os.walk(root):
        here = Path(current)
        if (here / "config.yaml").is_file() or (here / ".hydra" / "config.yaml").is_file():
            found.append(here)
            folders[:] = []
            continue
        folders[:] = sorted(f for f in folders if not f.startswith(".") and f not in SKIPPED_FOLDERS)
    return sorted(found)


def _select(cfg: DictConfig, key: str, source: Path) -> Any:
    try:
        value = OmegaConf.select(cfg, key, throw_on_missing=True)
    except Exception as error:
        raise CollectError(f"{source}: cannot read {key!r} ({error})") from error
    return OmegaConf.to_container(value, resolve=True) if OmegaConf.is_config(value) else value


def _container(cfg: DictConfig, key: str) -> Any:
    """``cfg[key]`` resolved where possible (Hydra's copy may hold interpolations that only
    resolve inside a running job; those parts are kept as written)."""
    node = cfg.get(key)
    if not OmegaConf.is_config(node):
        return node
    try:
        return OmegaConf.to_container(node, resolve=True)
    except Exception:
        return OmegaConf.to_container(node, resolve=False)


def _dataset_and_task(data: dict[str, Any]) -> tuple[str, str, Optional[str], Optional[str]]:
    """(family, task key, source, target) of a data config: the family is the data name
    without its task suffix (``office31_A2W`` → ``office31``)."""
    name, task = str(data["name"]), data.get("task")
    source, target = data.get("source_domain"), data.get("target_domain")
    family = name
    suffixes = [f"_{source}2{target}" if source and target else None, f"_{task}" if task else None]
    for suffix in suffixes:
        if suffix and name.endswith(suffix) and len(name) > len(suffix):
            family = name[: -len(suffix)]
            break
    info = dataset_info(family)
    if source and target:
        if info is not None:
            source, target = info.domain_key(str(source)), info.domain_key(str(target))
        return family, f"{source}2{target}", str(source), str(target)
    return family, str(task or ""), None, None


def generic_checkpoint(path: str, data_name: str, seed: int) -> str:
    """``…/digits_clean2drift/shot_source/seed1-*/last.ckpt`` → ``…/<data>/shot_source/seed<seed>-*/last.ckpt``
    for the run of ``data_name`` and ``seed`` (see :data:`CHECKPOINT_KEYS`)."""
    parts = [
        "<data>" if part == data_name else re.sub(rf"^seed{seed}(?=-|$)", "seed<seed>", part)
        for part in path.split("/")
    ]
    return "/".join(parts)


def read_run(path: Path) -> Run:
    """Read one run directory (its resolved ``config.yaml``, else Hydra's copy)."""
    run_dir = RunDirectory(path)
    config_file = run_dir.config if run_dir.config.is_file() else path / ".hydra" / "config.yaml"
    try:
        cfg = load_config(config_file, key="the run's config", build=False)
    except (ValueError, PermissionError) as error:
        raise CollectError(f"{config_file}: not a readable dalearn run configuration ({error})") from error
    for key in ("data.name", "method.name", "seed"):
        if OmegaConf.select(cfg, key, default=None) is None:
            raise CollectError(
                f"{config_file} has no {key!r}: not a dalearn-train run directory "
                f"(point dalearn-collect at a folder holding only dalearn runs)"
            )
    data = {key: _select(cfg, f"data.{key}", config_file) for key in ("name", "task", "source_domain", "target_domain")}
    dataset, task, source, target = _dataset_and_task(data)
    method = dict(_container(cfg, "method") or {})
    method_name = str(method.pop("name"))
    method.pop("_target_", None)
    seed = int(_select(cfg, "seed", config_file))
    for key in CHECKPOINT_KEYS:
        if isinstance(method.get(key), str):
            method[key] = generic_checkpoint(method[key], str(data["name"]), seed)
    metrics = None
    if run_dir.is_complete():
        try:
            metrics = json.loads(run_dir.metrics.read_text())
        except (OSError, ValueError) as error:
            raise CollectError(
                f"{run_dir.metrics}: not readable JSON ({error}); remove the run's done marker to rerun it"
            ) from error
        if not isinstance(metrics, dict) or "by_selection" not in metrics:
            raise CollectError(
                f"{run_dir.metrics} holds no results (no 'by_selection' in {str(metrics)[:80]}), "
                f"yet the run has a done marker: remove {run_dir.done} and run it again "
                "(dalearn-train resumes or restarts it)"
            )
    return Run(
        path=path,
        dataset=dataset,
        task=task,
        source=source,
        target=target,
        method=method_name,
        method_config=json.dumps(method, sort_keys=True, default=str),
        seed=seed,
        data_name=str(data["name"]),
        identity={key: _container(cfg, key) for key in HASHED_KEYS if key in cfg},
        metrics=metrics,
    )


def read_runs(root: Path) -> list[Run]:
    """Every run under ``root``; an error if there is none."""
    if not root.is_dir():
        raise CollectError(f"{root} is not a directory: pass the sweep folder (e.g. outputs/benchmark/office31)")
    paths = find_run_dirs(root)
    if not paths:
        raise CollectError(
            f"no run directories under {root} (a run directory holds config.yaml or .hydra/config.yaml); "
            f"pass the folder a sweep wrote, e.g. outputs/benchmark/office31 or outputs/multirun"
        )
    return [read_run(path) for path in progress(paths, f"read runs under {root}", len(paths), "runs")]
