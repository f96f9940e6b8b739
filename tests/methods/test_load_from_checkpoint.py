"""Lightning's conventions: a trained run's checkpoint rebuilds its method with
``Method.load_from_checkpoint(path)`` alone (weights only), and ``Trainer.predict`` gives the
class logits the model computes."""

from __future__ import annotations

import lightning as L
import pytest
import torch

from dalearn.methods import DANN, MCD
from dalearn.nn import build_backbone
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
        ["method=dann", "method.bottleneck_dim=32", "method.hidden_size=16", "+method.regularizers.mcc.weight=0.1"],
    )
    stored = torch.load(path, map_location="cpu", weights_only=True)
    hparams = stored["hyper_parameters"]
    assert hparams["backbone"] == {"name": "lenet", "in_chans": 3}
    assert hparams["regularizers"] == {"mcc": {"weight": 0.1}} and type(hparams["regularizers"]) is dict
    assert hparams["bottleneck_dim"] == 32 and hparams["hidden_size"] == 16 and hparams["num_classes"] == 10
    assert "optimizer" not in hparams["optim"] and hparams["optim"]["lr"] == cfg.optim.lr

    model = DANN.load_from_checkpoint(path)
    assert type(model) is DANN and model.hparams.bottleneck_dim == 32
    state = model.state_dict()
    tensors = {key: value for key, value in stored["state_dict"].items() if isinstance(value, torch.Tensor)}
    assert len(tensors) > 10
    for key, tensor in tensors.items():
        assert torch.equal(state[key].cpu(), tensor), key

    # the same logits as the weights put into a freshly built module by hand
    manual = DANN(
        build_backbone("lenet", in_chans=3),
        num_classes=10,
        bottleneck_dim=32,
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


def test_a_checkpoint_without_a_backbone_record_asks_for_one(tmp_path):
    model = MCD(TinyBackbone(), num_classes=3)
    assert model.hparams["backbone"] is None
    path = tmp_path / "plain.ckpt"
    torch.save(
        {
            "state_dict": model.state_dict(),
            "hyper_parameters": dict(model.hparams),
            "pytorch-lightning_version": L.__version__,
        },
        path,
    )
    with pytest.raises(ValueError, match=r"does not record how its backbone was built.*backbone=build_backbone"):
        MCD.load_from_checkpoint(path)
    with pytest.raises(ValueError, match="weights_only=True only"):
        MCD.load_from_checkpoint(path, weights_only=False)
    loaded = MCD.load_from_checkpoint(path, backbone=TinyBackbone())  # given, it loads
    x = torch.rand(5, 2, 2)
    model.eval(), loaded.eval()
    assert torch.allclose(loaded(x), model(x))
