"""Lightning's conventions: a trained run's checkpoint rebuilds its method with
``Method.load_from_checkpoint(path)`` alone (weights only), and ``Trainer.predict`` gives the
class logits the model computes."""

from __future__ import annotations

from functools import partial

import lightning as L
import pytest
import torch

from dalearn.methods import DANN, MCD
from dalearn.nn import ImageClassifier, MCDClassifier, bottleneck, build_backbone
from dalearn.run.training import train


def _train(train_cfg, overrides):
    cfg = train_cfg(overrides)
    train(cfg)
    from pathlib import Path

    return cfg, Path(cfg.paths.run_dir) / "checkpoints" / "best.ckpt"


@pytest.mark.slow
def test_dann_loads_from_its_checkpoint_alone(train_cfg):
    cfg, path = _train(
        train_cfg,
        [
            "method=dann",
            "method.classifier.bottleneck_dim=32",
            "method.hidden_size=16",
            "+method.regularizers.mcc.weight=0.1",
        ],
    )
    stored = torch.load(path, map_location="cpu", weights_only=True)
    hparams = stored["hyper_parameters"]
    assert hparams["classifier"]["backbone"] == {"name": "lenet", "in_chans": 3}
    assert hparams["classifier"]["num_classes"] == 10
    assert hparams["classifier"]["network"]["_target_"] == "dalearn.nn.ImageClassifier"
    assert hparams["regularizers"] == {"mcc": {"weight": 0.1}} and type(hparams["regularizers"]) is dict
    assert hparams["classifier"]["network"]["bottleneck_dim"] == 32 and hparams["hidden_size"] == 16
    assert "optimizer" not in hparams["optim"] and hparams["optim"]["lr"] == cfg.optim.lr

    model = DANN.load_from_checkpoint(path)
    assert type(model) is DANN and model.classifier.features_dim == 32
    state = model.state_dict()
    tensors = {key: value for key, value in stored["state_dict"].items() if isinstance(value, torch.Tensor)}
    assert len(tensors) > 10
    for key, tensor in tensors.items():
        assert torch.equal(state[key].cpu(), tensor), key

    # the same logits as the weights put into a freshly built module by hand
    manual = DANN(
        ImageClassifier(
            build_backbone("lenet", in_chans=3),
            num_classes=10,
            bottleneck=partial(bottleneck, batch_norm=True, dropout=0.0),
            bottleneck_dim=32,
        ),
        hidden_size=16,
        regularizers={"mcc": {"weight": 0.1}},
    )
    manual.load_state_dict(stored["state_dict"])
    x = torch.rand(6, 3, 28, 28)
    model.eval(), manual.eval()
    with torch.no_grad():
        expected = manual(x)
        assert torch.allclose(model(x), expected)

    # Trainer.predict over (images, labels) batches: the logits, batch by batch
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x, torch.zeros(6, dtype=torch.long)), batch_size=4
    )
    trainer = L.Trainer(accelerator="cpu", logger=False, enable_progress_bar=False, enable_model_summary=False)
    predicted = torch.cat(trainer.predict(model, loader))
    assert torch.allclose(predicted, expected, atol=1e-6)
    assert torch.equal(model.predict_step({"image": x}), model.predict_step(x))


class TinyBackbone(torch.nn.Module):
    """A user's own feature extractor (not built by dalearn.nn.build_backbone)."""

    out_features = 8

    def __init__(self) -> None:
        super().__init__()
        self.layer = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 8))

    def forward(self, x):
        return self.layer(x)


def test_a_checkpoint_without_a_network_record_asks_for_one(tmp_path):
    model = MCD(MCDClassifier(TinyBackbone(), num_classes=3, bottleneck_dim=16))
    assert model.hparams["classifier"] is None
    path = tmp_path / "plain.ckpt"
    torch.save(
        {
            "state_dict": model.state_dict(),
            "hyper_parameters": dict(model.hparams),
            "pytorch-lightning_version": L.__version__,
        },
        path,
    )
    with pytest.raises(ValueError, match=r"does not record how its network was built.*classifier="):
        MCD.load_from_checkpoint(path)
    with pytest.raises(ValueError, match="weights_only=True only"):
        MCD.load_from_checkpoint(path, weights_only=False)
    loaded = MCD.load_from_checkpoint(path, classifier=MCDClassifier(TinyBackbone(), num_classes=3, bottleneck_dim=16))
    x = torch.rand(5, 2, 2)
    model.eval(), loaded.eval()
    assert torch.allclose(loaded(x), model(x))


def test_a_recorded_network_is_checked_before_it_is_built(tmp_path):
    """A checkpoint's network record names a callable: the trusted reader's allow-list decides,
    so a shared checkpoint cannot run code through its hyperparameters either."""
    from dalearn.io.trusted.configs import UntrustedConfigError

    model = MCD(MCDClassifier(build_backbone("lenet", in_chans=3), num_classes=3, bottleneck_dim=16))
    hparams = dict(model.hparams)
    planted = tmp_path / "planted.txt"
    hparams["classifier"] = {
        "network": {"_target_": "builtins.open", "file": str(planted), "mode": "w"},
        "num_classes": 3,
        "backbone": {"name": "lenet", "in_chans": 3},
    }
    path = tmp_path / "hostile.ckpt"
    torch.save(
        {"state_dict": model.state_dict(), "hyper_parameters": hparams, "pytorch-lightning_version": L.__version__},
        path,
    )
    with pytest.raises(UntrustedConfigError, match="builtins.open"):
        MCD.load_from_checkpoint(path)
    assert not planted.exists()
