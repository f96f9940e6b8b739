"""Real (tiny) training runs record every configured validator every epoch: the scores in
``metrics.json``'s history equal the validators' functional forms applied to the final
model's own outputs on the target-validation set, ``by_selection`` has an entry per
validator, ``selection=ima`` keeps the epoch ima picks in ``best.ckpt``, and methods whose
classifier differs (MCD's two heads) feed the feature validators too."""

from __future__ import annotations

import pytest
import torch

from dalearn.run.training import train
from dalearn.selection import select
from dalearn.validators.entropy import entropy
from dalearn.validators.information_maximization import information_maximization

pytestmark = pytest.mark.slow


def test_scores_are_recorded_every_epoch_and_match_the_model_outputs(train_cfg):
    cfg = train_cfg(["selection=ima", "trainer.max_epochs=2", "validators=[src_acc,entropy,ima,bnm,snd]"])
    metrics, objects = train(cfg)
    history = metrics["history"]
    assert len(history) == 2
    for record in history:
        assert {f"val/score/{n}" for n in ("src_acc", "entropy", "ima", "bnm", "snd")} <= set(record)
        assert record["val/score/src_acc"] == pytest.approx(record["val/src_acc"], abs=1e-6)
    assert {"oracle", "src_val", "last", "src_acc", "entropy", "ima", "bnm", "snd"} <= set(metrics["by_selection"])
    assert (metrics["selection"], metrics["epoch"]) == ("ima", select(history, "ima")["epoch"])

    model, datamodule = objects["model"].eval(), objects["datamodule"]
    with torch.no_grad():
        probs = torch.cat([torch.softmax(model(x), dim=1) for x, _ in datamodule.val_dataloader()[0]])
    assert history[-1]["val/score/ima"] == pytest.approx(float(information_maximization(probs)), abs=1e-6)
    assert history[-1]["val/score/entropy"] == pytest.approx(float(entropy(probs)), abs=1e-6)

    best = torch.load(f"{cfg.paths.run_dir}/checkpoints/best.ckpt", map_location="cpu", weights_only=False)
    assert best["dalearn_history"][-1]["epoch"] == metrics["epoch"]  # saved at the end of the epoch ima picked


@pytest.mark.parametrize("method", ["mcd", "mdd"])
def test_feature_validators_run_on_every_classifier_kind(train_cfg, method):
    metrics, _ = train(train_cfg([f"method={method}", "validators=[class_ami,dev]", "selection=class_ami"]))
    record = metrics["history"][-1]
    assert set(metrics["by_selection"]) >= {"class_ami", "dev"}
    assert -1.0 <= record["val/score/class_ami"] <= 1.0 and record["val/score/dev"] < 0
