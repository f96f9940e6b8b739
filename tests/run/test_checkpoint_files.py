"""``checkpoints/last.ckpt`` is the latest epoch and ``best.ckpt`` the selected one, even when
the selected epoch is not the last (Lightning 2.6's ``save_last`` would leave a copy of the best
there: resume=true would restart from it and SHOT's stage 2 would start from a target-selected
model)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from dalearn.run.training import train


# automatic and manual optimisation (MCD made small: its default heads take seconds a step on a CPU)
@pytest.mark.parametrize("method", ["dann", "mcd method.num_k=1 method.bottleneck_dim=64"])
def test_last_is_the_latest_epoch_and_best_the_selected_one(train_cfg, method):
    # Monitoring the epoch number for its minimum makes epoch 0 the "best": best != last.
    cfg = train_cfg(
        [
            *f"method={method}".split(),
            "trainer.max_epochs=3",
            "callbacks.model_checkpoint.monitor=epoch",
            "callbacks.model_checkpoint.mode=min",
        ]
    )
    train(cfg)
    run_dir = Path(cfg.paths.run_dir)
    last = torch.load(run_dir / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)
    best = torch.load(run_dir / "checkpoints" / "best.ckpt", map_location="cpu", weights_only=True)
    history = json.loads((run_dir / "metrics.json").read_text())["history"]
    assert (best["epoch"], last["epoch"]) == (0, 2)
    assert last["loops"]["fit_loop"]["epoch_loop.batch_progress"]["total"]["completed"] == 3 * cfg.data.iters_per_epoch
    assert len(history) == 3
    assert sorted(p.name for p in (run_dir / "checkpoints").iterdir()) == ["best.ckpt", "last.ckpt"]
