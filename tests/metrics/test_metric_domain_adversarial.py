"""DomainAdversarialAccuracy against a NumPy derivation with a fixed linear discriminator."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from dalearn.losses import DomainAdversarialLoss
from dalearn.metrics import DomainAdversarialAccuracy
from dalearn.nn import DomainDiscriminator, GradientReverseLayer


def _linear(d: int = 4) -> nn.Linear:
    layer = nn.Linear(d, 1).double()
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[1.5, -0.5, 0.25, 0.0]]))
        layer.bias.fill_(0.2)
    return layer


def _bce(logits: np.ndarray, label: float) -> np.ndarray:
    p = 1.0 / (1.0 + np.exp(-logits))
    return -(label * np.log(p) + (1 - label) * np.log(1 - p))


@pytest.mark.parametrize("source_label", [1, 0])
def test_loss_and_accuracy_match_numpy_over_updates(source_label):
    g = torch.Generator().manual_seed(0)
    source = torch.randn(50, 4, generator=g, dtype=torch.float64) + 0.8
    target = torch.randn(30, 4, generator=g, dtype=torch.float64) - 0.3
    metric = DomainAdversarialAccuracy(_linear(), source_label=source_label)
    metric.update(source[:20], target[:10])
    metric.update(source[20:], target[10:])
    out = metric.compute()
    w, b = np.array([1.5, -0.5, 0.25, 0.0]), 0.2
    ls, lt = source.numpy() @ w + b, target.numpy() @ w + b
    yt = 1 - source_label
    acc_s = np.mean((ls >= 0) == bool(source_label))
    acc_t = np.mean((lt >= 0) == bool(yt))
    assert out["source_accuracy"].item() == pytest.approx(acc_s, abs=1e-15)
    assert out["target_accuracy"].item() == pytest.approx(acc_t, abs=1e-15)
    assert out["accuracy"].item() == pytest.approx(0.5 * (acc_s + acc_t), abs=1e-15)
    expected = 0.5 * (_bce(ls, source_label).mean() + _bce(lt, yt).mean())
    assert out["loss"].item() == pytest.approx(expected, rel=1e-12)


def test_equals_the_training_loss_on_equal_batches():
    torch.manual_seed(0)
    disc = DomainDiscriminator(in_feature=6, hidden_size=8).eval()
    f_s, f_t = torch.randn(16, 6), torch.randn(16, 6) + 0.5
    metric = DomainAdversarialAccuracy(disc)
    metric.update(f_s, f_t)
    loss = DomainAdversarialLoss(disc, grl=GradientReverseLayer()).eval()
    expected = loss(f_s, f_t)
    out = metric.compute()
    assert out["loss"].item() == pytest.approx(expected.item(), rel=1e-6)
    assert out["accuracy"].item() == pytest.approx(loss.domain_discriminator_accuracy.item(), abs=1e-7)


def test_discriminator_is_left_untouched():
    disc = DomainDiscriminator(in_feature=3, hidden_size=4).train()
    before = {k: v.clone() for k, v in disc.state_dict().items()}
    metric = DomainAdversarialAccuracy(disc)
    metric.update(torch.randn(8, 3) * 5, torch.randn(8, 3))
    assert disc.training
    for key, value in disc.state_dict().items():
        assert torch.equal(value, before[key]), key


@pytest.mark.filterwarnings("ignore:The ``compute`` method")
def test_errors():
    with pytest.raises(ValueError, match="source_label must be 0 or 1"):
        DomainAdversarialAccuracy(_linear(), source_label=2)
    with pytest.raises(ValueError, match="needs at least one source and one target row"):
        DomainAdversarialAccuracy(_linear()).compute()
    two_logits = DomainAdversarialAccuracy(nn.Linear(4, 2))
    with pytest.raises(ValueError, match=r"one logit per row.*returned \(5, 2\)"):
        two_logits.update(torch.randn(5, 4), torch.randn(5, 4))
    with pytest.raises(ValueError, match="feature dimension mismatch"):
        DomainAdversarialAccuracy(_linear()).update(torch.randn(5, 4), torch.randn(5, 3))
