"""The classifier heads (backbone → bottleneck → head, MCD's heads, MDD's classifier) against
NumPy forward passes written from their documented layer lists, plus their initialisations,
parameter groups and MDD's reversed adversarial gradient."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from dalearn.nn import ImageClassifier, MCDClassifierHead, MDDClassifier, bottleneck, mdd_head


class LinearBackbone(nn.Linear):
    """A stand-in backbone with ``out_features`` (nn.Linear already has it)."""


def seeded(*shape: int, seed: int) -> torch.Tensor:
    return torch.randn(*shape, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))


def np_linear(x: np.ndarray, layer: nn.Linear) -> np.ndarray:
    return x @ layer.weight.detach().numpy().T + layer.bias.detach().numpy()


def np_batch_norm_eval(x: np.ndarray, bn: nn.BatchNorm1d) -> np.ndarray:
    mean, var = bn.running_mean.numpy(), bn.running_var.numpy()
    return (x - mean) / np.sqrt(var + bn.eps) * bn.weight.detach().numpy() + bn.bias.detach().numpy()


def randomise_batch_norm(module: nn.Module, seed: int) -> None:
    """Non-trivial running statistics and affine parameters, so that BN is really tested."""
    gen = torch.Generator().manual_seed(seed)
    for bn in (m for m in module.modules() if isinstance(m, nn.BatchNorm1d)):
        n = bn.num_features
        bn.running_mean.copy_(torch.randn(n, generator=gen, dtype=torch.float64))
        bn.running_var.copy_(torch.rand(n, generator=gen, dtype=torch.float64) + 0.5)
        with torch.no_grad():
            bn.weight.copy_(torch.randn(n, generator=gen, dtype=torch.float64))
            bn.bias.copy_(torch.randn(n, generator=gen, dtype=torch.float64))


@pytest.mark.parametrize(
    "batch_norm,dropout,kinds",
    [
        (True, 0.0, ["Linear", "BatchNorm1d", "ReLU"]),
        (False, 0.5, ["Linear", "ReLU", "Dropout"]),
        (True, 0.5, ["Linear", "BatchNorm1d", "ReLU", "Dropout"]),
    ],
)
def test_bottleneck_layers(batch_norm, dropout, kinds):
    block = bottleneck(12, 7, batch_norm=batch_norm, dropout=dropout)
    assert [type(layer).__name__ for layer in block] == kinds
    assert block[0].in_features == 12 and block[0].out_features == 7


def test_image_classifier_forward_against_numpy_and_parameter_groups():
    torch.manual_seed(0)
    backbone = LinearBackbone(6, 10).double()
    model = ImageClassifier(backbone, 4, bottleneck(10, 5), bottleneck_dim=5).double().eval()
    randomise_batch_norm(model, seed=3)
    x = seeded(8, 6, seed=1)
    logits, features = model(x)
    h = np.maximum(
        np_batch_norm_eval(np_linear(np_linear(x.numpy(), backbone), model.bottleneck[0]), model.bottleneck[1]), 0.0
    )
    np.testing.assert_allclose(features.detach().numpy(), h, rtol=1e-12)
    np.testing.assert_allclose(logits.detach().numpy(), np_linear(h, model.head), rtol=1e-12)
    torch.testing.assert_close(model.predict(x), logits)

    groups = model.get_parameters(base_lr=0.5, backbone_lr_mult=0.1)
    assert [g["lr"] for g in groups] == [pytest.approx(0.05), 0.5]
    assert {id(p) for p in groups[0]["params"]} == {id(p) for p in backbone.parameters()}
    assert sum(len(g["params"]) for g in groups) == len(list(model.parameters()))


def test_image_classifier_without_bottleneck_uses_the_backbone_features():
    model = ImageClassifier(LinearBackbone(6, 10), 3)
    assert model.features_dim == 10 and model.head.in_features == 10
    with pytest.raises(ValueError, match="num_classes must be at least 2"):
        ImageClassifier(LinearBackbone(6, 10), 1)


def test_mcd_head_eval_forward_against_numpy():
    torch.manual_seed(1)
    head = MCDClassifierHead(10, 3, bottleneck_dim=6).double().eval()
    randomise_batch_norm(head, seed=4)
    kinds = [type(layer).__name__ for layer in head]
    assert kinds == ["Dropout", "Linear", "BatchNorm1d", "ReLU", "Dropout", "Linear", "BatchNorm1d", "ReLU", "Linear"]
    x = seeded(5, 10, seed=2)
    h = np.maximum(np_batch_norm_eval(np_linear(x.numpy(), head[1]), head[2]), 0.0)
    h = np.maximum(np_batch_norm_eval(np_linear(h, head[5]), head[6]), 0.0)
    np.testing.assert_allclose(head(x).detach().numpy(), np_linear(h, head[8]), rtol=1e-12)


def test_mdd_initialisation():
    torch.manual_seed(2)
    head = mdd_head(512, 512, 10)
    for layer in (head[0], head[3]):
        assert layer.weight.std().item() == pytest.approx(0.01, rel=0.05)
        assert torch.count_nonzero(layer.bias) == 0
    model = MDDClassifier(LinearBackbone(6, 512), 10, bottleneck_dim=512, width=64)
    assert model.bottleneck[0].weight.std().item() == pytest.approx(0.005, rel=0.05)
    assert torch.all(model.bottleneck[0].bias == 0.1)
    assert [type(layer).__name__ for layer in model.bottleneck] == ["Linear", "BatchNorm1d", "ReLU", "Dropout"]


def test_mdd_classifier_outputs_and_reversed_adversarial_gradient():
    torch.manual_seed(3)
    model = MDDClassifier(LinearBackbone(6, 16).double(), 4, bottleneck_dim=8, width=8).double().eval()
    for _ in range(300):
        model.step()
    coeff = model.grl.coeff
    assert 0.0 < coeff <= 0.1
    x = seeded(5, 6, seed=5)
    logits, logits_adv, features = model(x)
    h = model.bottleneck(model.backbone(x))
    torch.testing.assert_close(features, h)
    torch.testing.assert_close(logits, model.head(h))
    torch.testing.assert_close(logits_adv, model.adv_head(h))
    torch.testing.assert_close(model.predict(x), logits)

    # d(sum of adversarial logits)/d(features) through the GRL is −coeff × the plain gradient
    f = features.detach().requires_grad_(True)
    model.adv_head(model.grl(f)).sum().backward()
    reversed_grad = f.grad.clone()
    f.grad = None
    model.adv_head(f).sum().backward()
    torch.testing.assert_close(reversed_grad, -coeff * f.grad, rtol=1e-12, atol=1e-15)

    groups = model.get_parameters(base_lr=1.0, backbone_lr_mult=0.1)
    assert sum(len(g["params"]) for g in groups) == len(list(model.parameters()))
