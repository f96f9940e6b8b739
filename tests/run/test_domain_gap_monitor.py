"""``gap/<metric>`` in the training logs: the domain gap between the backbone features of the
held-out source split and of the target, recomputed here with NumPy from the final model."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import torch

from dalearn.run.domain_gap_monitor import DomainGapMonitor
from dalearn.run.training import train


def last_logged(run_dir: Path, key: str) -> float:
    (path,) = run_dir.glob("logs/version_*/metrics.csv")
    with path.open() as handle:
        values = [float(row[key]) for row in csv.DictReader(handle) if row.get(key)]
    assert values, f"{key} was never logged"
    return values[-1]


def backbone_features(model, loader) -> np.ndarray:
    model.eval()
    with torch.no_grad():
        return np.concatenate([model.backbone(x).flatten(1).double().numpy() for x, _ in loader])


def test_logged_gap_equals_a_numpy_derivation_on_the_final_features(train_cfg):
    cfg = train_cfg(["method=dann", "trainer.max_epochs=1"])
    _, objects = train(cfg)
    model, datamodule = objects["model"], objects["datamodule"]
    roles = datamodule.eval_roles
    loaders = dict(zip(roles, datamodule.eval_dataloaders()))
    source = backbone_features(model, loaders["source_val"])
    target = backbone_features(model, loaders["target_val"])

    mu_s, mu_t = source.mean(axis=0), target.mean(axis=0)
    v_s = np.maximum(source.var(axis=0), 1e-9)
    v_t = np.maximum(target.var(axis=0), 1e-9)
    kl = 0.5 * np.sum(v_s / v_t - 1.0 - np.log(v_s / v_t) + (mu_t - mu_s) ** 2 / v_t)
    run_dir = Path(cfg.paths.run_dir)
    assert last_logged(run_dir, "gap/mmd_linear") == pytest.approx(np.sum((mu_s - mu_t) ** 2), rel=1e-5)
    assert last_logged(run_dir, "gap/klmvn_diag") == pytest.approx(kl, rel=1e-5)


def test_no_source_holdout_logs_no_gap(train_cfg):
    cfg = train_cfg(["method=source_only", "data.source_holdout=0"])
    train(cfg)
    (path,) = Path(cfg.paths.run_dir).glob("logs/version_*/metrics.csv")
    assert "gap/" not in path.read_text().splitlines()[0]


def test_unknown_gap_metric_is_refused():
    with pytest.raises(ValueError, match="unknown domain-gap metrics \\['frechet'\\]"):
        DomainGapMonitor(metrics=["frechet", "mmd_linear"])
