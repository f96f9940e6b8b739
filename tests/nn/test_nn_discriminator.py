"""DomainDiscriminator: shape, architecture and that it returns logits (no sigmoid)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from dalearn.nn import DomainDiscriminator


def numpy_linear(x: np.ndarray, layer: nn.Linear) -> np.ndarray:
    return x @ layer.weight.detach().numpy().T + layer.bias.detach().numpy()


def numpy_batch_norm_eval(x: np.ndarray, bn: nn.BatchNorm1d) -> np.ndarray:
    mean, var = bn.running_mean.numpy(), bn.running_var.numpy()
    return (x - mean) / np.sqrt(var + bn.eps) * bn.weight.detach().numpy() + bn.bias.detach().numpy()


@pytest.mark.parametrize("batch_norm", [True, False])
def test_output_is_one_logit_per_sample(batch_norm):
    disc = DomainDiscriminator(in_feature=6, hidden_size=5, batch_norm=batch_norm)
    assert disc(torch.randn(9, 6)).shape == (9, 1)
    assert isinstance(disc[-1], nn.Linear) and disc[-1].out_features == 1
    assert not any(isinstance(m, nn.Sigmoid) for m in disc.modules())


def test_eval_forward_matches_numpy_and_is_unbounded():
    disc = DomainDiscriminator(in_feature=4, hidden_size=8).double().eval()
    gen = torch.Generator().manual_seed(3)
    for bn in (disc[1], disc[4]):
        bn.running_mean.copy_(torch.randn(8, dtype=torch.float64, generator=gen))
        bn.running_var.copy_(torch.rand(8, dtype=torch.float64, generator=gen) + 0.5)
    with torch.no_grad():
        disc[-1].bias.fill_(4.0)
    x = torch.randn(10, 4, dtype=torch.float64, generator=gen) * 3.0
    h = np.maximum(numpy_batch_norm_eval(numpy_linear(x.numpy(), disc[0]), disc[1]), 0.0)
    h = np.maximum(numpy_batch_norm_eval(numpy_linear(h, disc[3]), disc[4]), 0.0)
    expected = numpy_linear(h, disc[6])
    out = disc(x).detach().numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-10)
    assert out.max() > 1.0


def test_without_batch_norm_dropout_follows_each_relu():
    disc = DomainDiscriminator(in_feature=4, hidden_size=8, batch_norm=False)
    kinds = [type(m) for m in disc]
    assert kinds == [nn.Linear, nn.ReLU, nn.Dropout, nn.Linear, nn.ReLU, nn.Dropout, nn.Linear]


def test_parameter_group_and_bad_sizes():
    disc = DomainDiscriminator(in_feature=4, hidden_size=8)
    (group,) = disc.get_parameters(base_lr=0.3)
    assert group["lr"] == 0.3
    assert len(list(group["params"])) == len(list(disc.parameters()))
    with pytest.raises(ValueError, match="must be positive, got 0, 8"):
        DomainDiscriminator(in_feature=0, hidden_size=8)
