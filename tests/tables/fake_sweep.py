"""Hand-written sweep folders for the collect tests: run directories laid out as dalearn-train
writes them (``<data.name>/<method>/seed<k>-<hash>/`` with ``config.yaml``, ``metrics.json``,
``done``; Hydra's ``.hydra/config.yaml``; the sweep's ``multirun.yaml``), holding known numbers."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Optional

import yaml


def run_dir(sweep: Path, data_name: str, method: str, seed: int, variant: str = "") -> Path:
    digest = hashlib.sha256(f"{data_name}/{method}/{seed}/{variant}".encode()).hexdigest()[:8]
    return sweep / data_name / method / f"seed{seed}-{digest}"


def config(dataset: str, task: str, method: str, seed: int, **method_settings) -> dict:
    source, target = task.split("2", 1)
    return {
        "data": {"name": f"{dataset}_{task}", "task": task, "source_domain": source, "target_domain": target},
        "method": {"_target_": f"dalearn.methods.{method.upper()}", "name": method, **method_settings},
        "backbone": {"name": "lenet"},
        "optim": {"lr": 0.01},
        "trainer": {"max_epochs": 2},
        "selection": {"rule": "oracle"},
        "seed": seed,
    }


def metrics(rules: dict[str, float], mean_class_offset: float = -0.01) -> dict:
    """A metrics.json whose selection rules chose the given target accuracies (fractions)."""
    by_selection = {
        rule: {
            "epoch": 1,
            "step": 20,
            "tgt_acc": value,
            "tgt_mean_class_acc": value + mean_class_offset,
            "tgt_eval_split": "target_val",
        }
        for rule, value in rules.items()
    }
    first = next(iter(rules))
    return {"selection": first, **by_selection[first], "by_selection": by_selection, "history": []}


def write_run(
    sweep: Path,
    cfg: dict,
    result: Optional[dict] = None,
    state: str = "finished",
    variant: str = "",
) -> Path:
    """One run directory. ``state``: ``finished`` (config, metrics, done), ``incomplete``
    (config and a checkpoint, no done), ``failed`` (only Hydra's ``.hydra/config.yaml``,
    with the interpolations Hydra leaves in it)."""
    path = run_dir(sweep, cfg["data"]["name"], cfg["method"]["name"], cfg["seed"], variant)
    (path / ".hydra").mkdir(parents=True)
    hydra_copy = json.loads(json.dumps(cfg))
    hydra_copy["data"]["name"] = cfg["data"]["name"].rsplit("_", 1)[0] + "_${.source_domain}2${.target_domain}"
    hydra_copy["data"]["source_domain"] = "${source_domain:${.task}}"
    hydra_copy["data"]["target_domain"] = "${target_domain:${.task}}"
    hydra_copy["paths"] = {"run_dir": "${hydra:runtime.output_dir}"}
    (path / ".hydra" / "config.yaml").write_text(yaml.safe_dump(hydra_copy, sort_keys=False))
    if state == "failed":
        return path
    (path / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    if state == "incomplete":
        (path / "checkpoints").mkdir()
        (path / "checkpoints" / "last.ckpt").write_bytes(b"not a real checkpoint")
        return path
    (path / "metrics.json").write_text(json.dumps(result, indent=2))
    (path / "done").write_text("complete\n")
    return path


def write_grid(sweep: Path, params: dict[str, str], task_overrides: list[str], seed: int = 0) -> None:
    """The sweep's multirun.yaml (only the keys dalearn-collect reads)."""
    content = {"hydra": {"sweeper": {"params": params}, "overrides": {"task": task_overrides}}, "seed": seed}
    sweep.mkdir(parents=True, exist_ok=True)
    (sweep / "multirun.yaml").write_text(yaml.safe_dump(content, sort_keys=False))
