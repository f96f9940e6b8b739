"""A real (tiny) run records, every evaluated epoch, what label-free selection needs: its target
predictions in predictions.npz (whose accuracy against the target labels is the recorded
val/tgt_acc, and which keeps exactly the run's epochs — a stale file of an earlier attempt is
replaced), the ATC and DoC estimates (in metrics.json beside the labelled number) and MixVal;
best.ckpt holds the epoch metrics.json names."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from dalearn.io.ownership import write_marker
from dalearn.run.resolvers import run_hash
from dalearn.run.training import train
from dalearn.selection.predictions import Predictions, read_predictions, write_predictions

pytestmark = pytest.mark.slow


def test_a_run_records_predictions_estimates_and_mixval(train_cfg):
    cfg = train_cfg(["trainer.max_epochs=3", "selection=mixval", "callbacks.mixval.subset=200"])
    run_dir = Path(cfg.paths.run_dir)
    stale = Predictions(probs=np.full((6, 539, 10), 0.1), epochs=np.arange(6), rows=np.arange(539))
    write_marker(run_dir, "run", run_hash=run_hash(cfg))  # an earlier, unfinished attempt of this run…
    write_predictions(run_dir / "predictions.npz", stale)  # …which left its predictions
    metrics, objects = train(cfg)
    history = metrics["history"]
    assert [r["epoch"] for r in history] == [0, 1, 2]

    stored = read_predictions(run_dir / "predictions.npz")
    assert stored.epochs.tolist() == [0, 1, 2] and stored.probs.shape == (3, 539, 10)
    labels = np.array([int(objects["datamodule"].target["test"][int(i)][1]) for i in stored.rows])
    for epoch, record in enumerate(history):
        accuracy = float(np.mean(stored.at(epoch).astype(np.float32).argmax(axis=1) == labels))
        assert accuracy == pytest.approx(record["val/tgt_acc"], abs=1.5 / 539)  # float16 may flip a near tie

    for record in history:
        assert 0.0 <= record["val/est/atc"] <= 1.0 and 0.0 <= record["val/est/doc"] <= 1.0
        parts = record["val/score/mixval_intra"], record["val/score/mixval_inter"]
        assert record["val/score/mixval"] == pytest.approx(sum(parts) / 2)
    pick = history[metrics["epoch"]]
    assert metrics["selection"] == "mixval" and metrics["score"] == pick["val/score/mixval"]
    assert metrics["est_atc"] == pick["val/est/atc"] and metrics["by_selection"]["atc"]["score"] == max(
        r["val/est/atc"] for r in history
    )
    best = torch.load(run_dir / "checkpoints" / "best.ckpt", map_location="cpu", weights_only=True)
    assert best["epoch"] == metrics["epoch"]
    saved = json.loads((run_dir / "metrics.json").read_text())
    assert saved["est_atc"] == metrics["est_atc"]
