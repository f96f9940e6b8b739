"""DDP on the CPU (2 processes, gloo): training runs, each process sees its own shard, and
the synchronised evaluation equals a single-process evaluation of the same weights."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from dalearn.eval import evaluate
from dalearn.train import train


@pytest.mark.slow
def test_ddp_cpu_run_matches_single_process_evaluation(train_cfg):
    cfg = train_cfg(["trainer=ddp_cpu", "method=dann", "selection=last", "data.iters_per_epoch=4"])
    metrics, _ = train(cfg)
    run_dir = Path(cfg.paths.run_dir)
    last = metrics["history"][-1]
    assert metrics["step"] == 4
    single = evaluate(OmegaConf.create({
        "ckpt_path": str(run_dir / "checkpoints" / "last.ckpt"), "run_config": None, "data": {},
        "trainer": {"accelerator": "cpu", "devices": 1}, "output": str(run_dir / "eval.json"),
    }))["results"]
    assert single["val/tgt_acc"] == pytest.approx(last["val/tgt_acc"], abs=1e-12)
    assert single["val/src_acc"] == pytest.approx(last["val/src_acc"], abs=1e-12)
    assert json.loads((run_dir / "eval.json").read_text())["results"] == single
