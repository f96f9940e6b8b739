"""DDP on the CPU (2 processes, gloo): training runs, each process sees its own shard, and
the synchronised evaluation equals a single-process evaluation of the same weights."""

from __future__ import annotations

import json
from pathlib import Path

import lightning as L
import pytest
from omegaconf import OmegaConf

from dalearn.run.evaluation import evaluate
from dalearn.run.training import train


class ShardProbe(L.Callback):
    """Writes, from every process, the source and target indices its training loaders draw
    this epoch and the indices of its first evaluation loader, to ``<out>/rank<k>.json``."""

    def __init__(self, out: str) -> None:
        self.out = Path(out)

    def on_train_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        loaders = trainer.train_dataloader
        drawn = {role: [i for batch in loaders[role].batch_sampler for i in batch] for role in ("source", "target")}
        evaluated = list(trainer.datamodule.val_dataloader()[0].sampler)
        self.out.mkdir(parents=True, exist_ok=True)
        record = {"rank": trainer.global_rank, "world": trainer.world_size, **drawn, "eval": evaluated}
        (self.out / f"rank{trainer.global_rank}.json").write_text(json.dumps(record))


@pytest.mark.slow
def test_ddp_cpu_run_matches_single_process_evaluation(train_cfg, tmp_path):
    probe = tmp_path / "probe"
    cfg = train_cfg(
        [
            "trainer=ddp_cpu",
            "method=dann",
            "selection=last",
            "data.iters_per_epoch=4",
            f"+callbacks.shard_probe={{_target_: test_ddp_cpu.ShardProbe, out: '{probe}'}}",
        ]
    )
    metrics, objects = train(cfg)
    run_dir = Path(cfg.paths.run_dir)
    ranks = [json.loads((probe / f"rank{k}.json").read_text()) for k in range(2)]
    assert [(r["rank"], r["world"]) for r in ranks] == [(0, 2), (1, 2)]
    for role in ("source", "target"):
        assert len(ranks[0][role]) == len(ranks[1][role]) == 4 * cfg.data.batch_size, role
        assert set(ranks[0][role]).isdisjoint(ranks[1][role]), role
    assert sorted(ranks[0]["eval"] + ranks[1]["eval"]) == list(range(len(objects["datamodule"].target["test"])))
    last = metrics["history"][-1]
    assert metrics["step"] == 4
    single = evaluate(
        OmegaConf.create(
            {
                "ckpt_path": str(run_dir / "checkpoints" / "last.ckpt"),
                "run_config": None,
                "data": {},
                "trainer": {"accelerator": "cpu", "devices": 1},
                "output": str(run_dir / "eval.json"),
                "trust_config": True,  # the run's config names this test's own callback (ShardProbe)
            }
        )
    )["results"]
    assert single["val/tgt_acc"] == pytest.approx(last["val/tgt_acc"], abs=1e-12)
    assert single["val/src_acc"] == pytest.approx(last["val/src_acc"], abs=1e-12)
    assert json.loads((run_dir / "eval.json").read_text())["results"] == single
