"""The method matrix: every method config in conf/method/ (discovered, not listed) and the
options that change a method's mechanics train a few iterations on offline data through the
real config (slow tier: each method trains for real once here), with finite losses, and its
own mechanics happen. The fast tier checks each method's contract on one batch
(test_method_one_batch.py)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from method_cases import IDS, METHODS

from dalearn.nn import warm_start_coefficient
from dalearn.run.factory import build_model
from dalearn.run.training import train
from tests.conftest import logged, stage_one


@pytest.mark.slow
@pytest.mark.parametrize("method,extra", METHODS, ids=IDS)
def test_method_trains_with_finite_losses(train_cfg, method, extra):
    cfg = train_cfg([f"method={method}", *extra])
    extra = [*extra, *stage_one(cfg, train_cfg)]
    cfg = train_cfg([f"method={method}", *extra])
    metrics, objects = train(cfg)
    run_dir = Path(cfg.paths.run_dir)
    assert (run_dir / "metrics.json").is_file() and (run_dir / "done").is_file()
    assert (run_dir / "checkpoints" / "last.ckpt").is_file()
    assert (run_dir / "config.yaml").is_file()
    losses = logged(run_dir, "train/loss")
    assert len(losses) == 3, losses
    assert all(math.isfinite(v) for _, v in losses)
    for regularizer in cfg.method.get("regularizers") or {}:  # a combination logs its own term
        values = logged(run_dir, f"train/reg/{regularizer}")
        assert len(values) == 3 and all(math.isfinite(v) for _, v in values), (regularizer, values)
    assert metrics["selection"] == "oracle" and len(metrics["history"]) == 1
    assert metrics["tgt_acc"] == metrics["history"][0]["val/tgt_acc"] and 0.0 <= metrics["tgt_acc"] <= 1.0
    assert objects["trainer"].current_epoch == 1


@pytest.mark.slow
def test_mcd_takes_three_plus_num_k_optimizer_steps_per_iteration(train_cfg):
    cfg = train_cfg(["method=mcd", "method.num_k=2"])
    _, objects = train(cfg)
    assert objects["trainer"].global_step == 3 * (3 + 2)


def test_grl_coefficient_follows_the_warm_start_schedule(train_cfg):
    cfg = train_cfg(["method=dann", "method.grl_max_iters=2"])
    _, objects = train(cfg)
    model = objects["model"]
    assert model.grl.iter_num == 3
    coefficients = logged(Path(cfg.paths.run_dir), "train/grl_coeff")
    assert [step for step, _ in coefficients] == [0, 1, 2]
    for step, value in coefficients:
        assert value == pytest.approx(warm_start_coefficient(step, max_iters=2), abs=1e-6)


def test_mdd_steps_its_grl_once_per_iteration(train_cfg):
    _, objects = train(train_cfg(["method=mdd"]))
    assert objects["model"].grl.iter_num == 3
    assert objects["model"].grl.coeff == pytest.approx(warm_start_coefficient(3, hi=0.1))


def test_cdan_discriminator_sees_classes_times_features(train_cfg):
    cfg = train_cfg(["method=cdan", "method.classifier.bottleneck_dim=32"])
    model = build_model(cfg, num_classes=10)
    seen = []
    model.discriminator.register_forward_hook(lambda module, args, out: seen.append(args[0].shape))
    x = torch.rand(4, 3, 28, 28)
    model.compute_losses(x, torch.arange(4), torch.rand(4, 3, 28, 28))
    assert seen == [torch.Size([8, 10 * 32])]


@pytest.mark.parametrize("method", ["dann", pytest.param("mcd", marks=pytest.mark.slow)])
def test_training_values_are_logged_only_on_logging_iterations(train_cfg, monkeypatch, method):
    """6 iterations with log_every_n_steps=3: train/* is logged on iterations 3 and 6 only (not
    on the other 4, whose values Lightning would drop), and the CSV holds exactly those rows."""
    from dalearn.methods.base import DomainAdaptationModule

    calls = []
    original = DomainAdaptationModule.log

    def counting_log(self, name, *args, **kwargs):
        if name.startswith("train/"):
            calls.append((self.trainer.fit_loop.epoch_loop._batches_that_stepped, name))
        return original(self, name, *args, **kwargs)

    monkeypatch.setattr(DomainAdaptationModule, "log", counting_log)
    cfg = train_cfg([f"method={method}", "data.iters_per_epoch=6", "trainer.log_every_n_steps=3"])
    train(cfg)
    assert sorted({iteration for iteration, name in calls if name == "train/loss"}) == [2, 5]
    assert len([1 for _, name in calls if name == "train/loss"]) == 2
    assert len(logged(Path(cfg.paths.run_dir), "train/loss")) == 2
