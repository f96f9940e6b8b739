"""``checkpoints/last.ckpt`` is the latest epoch and ``best.ckpt`` the selected one, even when
the selected epoch is not the last (Lightning 2.6's ``save_last`` would leave a copy of the best
there: resume=true would restart from it and SHOT's stage 2 would start from a target-selected
model). ``best.ckpt`` holds the epoch ``metrics.json`` names: one picker decides both."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from dalearn.run.training import train
from tests.conftest import SMALL_MCD


# automatic and manual optimisation (MCD made small: its default heads take seconds a step on a CPU)
@pytest.mark.parametrize("method", ["dann", " ".join(["mcd", *SMALL_MCD])])
def test_last_is_the_latest_epoch_and_best_the_selected_one(train_cfg, method):
    # best.ckpt is the epoch metrics.json names, whichever the oracle picks (a pick that is not
    # the last epoch: tests/run/test_best_checkpoint_picker.py); last.ckpt is always epoch 2.
    cfg = train_cfg([*f"method={method}".split(), "trainer.max_epochs=3"])
    train(cfg)
    run_dir = Path(cfg.paths.run_dir)
    last = torch.load(run_dir / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)
    best = torch.load(run_dir / "checkpoints" / "best.ckpt", map_location="cpu", weights_only=True)
    metrics = json.loads((run_dir / "metrics.json").read_text())
    history = metrics["history"]
    assert (best["epoch"], last["epoch"]) == (metrics["epoch"], 2)
    assert best["dalearn_history"] == history[: metrics["epoch"] + 1]
    assert last["loops"]["fit_loop"]["epoch_loop.batch_progress"]["total"]["completed"] == 3 * cfg.data.iters_per_epoch
    assert len(history) == 3
    assert sorted(p.name for p in (run_dir / "checkpoints").iterdir()) == ["best.ckpt", "last.ckpt"]
