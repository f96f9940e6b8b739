"""Sweep folders of fake finished runs whose ``metrics.json`` histories hold chosen validator
scores and target accuracies per epoch, laid out as dalearn-train writes them
(``<data.name>/<method>/seed<k>-<hash>/`` with ``config.yaml``, ``metrics.json``, ``done``)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Optional, Sequence

import yaml

TASKS = {"digits": ("clean", "drift"), "fashion_mnist": ("clean", "m")}


def write_run(
    sweep: Path,
    dataset: str,
    method: str,
    lr: float,
    seed: int,
    scores: dict[str, Sequence[float]],
    accuracies: Optional[Sequence[float]],
    trade_off: float = 1.0,
    method_keys: Optional[dict] = None,
) -> Path:
    """One finished run; ``scores[name][e]`` is validator ``name``'s score at epoch e,
    ``accuracies[e]`` the target test accuracy (None: the run has no target labels);
    ``method_keys``: the method's own settings beside ``trade_off`` (e.g. MCD's ``num_k``)."""
    source, target = TASKS[dataset]
    task = f"{source}2{target}"
    key = f"{dataset}/{method}/{lr}/{trade_off}/{seed}"
    path = sweep / f"{dataset}_{task}" / method / f"seed{seed}-{hashlib.sha256(key.encode()).hexdigest()[:8]}"
    path.mkdir(parents=True)
    cfg = {
        "data": {"name": f"{dataset}_{task}", "task": task, "source_domain": source, "target_domain": target},
        "method": {
            "_target_": f"dalearn.methods.{method.upper()}",
            "name": method,
            "trade_off": trade_off,
            **(method_keys or {}),
        },
        "optim": {"lr": lr},
        "trainer": {"max_epochs": len(next(iter(scores.values())))},
        "selection": {"rule": "oracle", "monitor": "val/tgt_acc"},
        "seed": seed,
    }
    epochs = len(next(iter(scores.values())))
    history = []
    for epoch in range(epochs):
        record = {"epoch": epoch, "step": 10 * (epoch + 1)}
        record.update({f"val/score/{name}": float(values[epoch]) for name, values in scores.items()})
        if "src_acc" in scores:
            record["val/src_acc"] = float(scores["src_acc"][epoch])
        if accuracies is not None:
            accuracy = float(accuracies[epoch])
            record.update({"test/tgt_acc": accuracy, "test/tgt_mean_class_acc": accuracy})
        history.append(record)
    best = max(range(epochs), key=lambda e: (accuracies[e], -e)) if accuracies is not None else epochs - 1
    metrics = {"selection": "oracle", "epoch": best, "history": history, "by_selection": {}}
    (path / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    (path / "metrics.json").write_text(json.dumps(metrics))
    (path / "done").write_text("complete\n")
    return path
