"""CDAN's multilinear maps against explicit NumPy constructions."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from dalearn.nn import MultiLinearMap, RandomizedMultiLinearMap


def seeded(*shape: int, seed: int) -> torch.Tensor:
    return torch.randn(*shape, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))


def test_multilinear_map_entry_c_times_f_plus_j_is_g_c_f_j():
    f, g = seeded(3, 4, seed=1), seeded(3, 5, seed=2).softmax(dim=1)
    out = MultiLinearMap()(f, g).numpy()
    assert out.shape == (3, 20)
    expected = np.zeros((3, 20))
    for i in range(3):
        for c in range(5):
            for j in range(4):
                expected[i, c * 4 + j] = g[i, c].item() * f[i, j].item()
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_randomized_map_against_numpy():
    f, g = seeded(6, 4, seed=3), seeded(6, 3, seed=4).softmax(dim=1)
    rmap = RandomizedMultiLinearMap(features_dim=4, num_classes=3, output_dim=16).double()
    rf, rg = rmap.Rf.numpy(), rmap.Rg.numpy()
    expected = (f.numpy() @ rf) * (g.numpy() @ rg) / math.sqrt(16)
    np.testing.assert_allclose(rmap(f, g).numpy(), expected, rtol=1e-10)


def test_randomized_map_state_dict_restores_the_random_matrices():
    original = RandomizedMultiLinearMap(features_dim=4, num_classes=3, output_dim=16)
    fresh = RandomizedMultiLinearMap(features_dim=4, num_classes=3, output_dim=16)
    f, g = torch.randn(5, 4), torch.randn(5, 3).softmax(dim=1)
    assert not torch.allclose(original(f, g), fresh(f, g))
    assert set(original.state_dict()) == {"Rf", "Rg"}
    fresh.load_state_dict(original.state_dict())
    assert torch.equal(original(f, g), fresh(f, g))


def test_generator_makes_the_draw_reproducible():
    a = RandomizedMultiLinearMap(4, 3, 8, generator=torch.Generator().manual_seed(7))
    b = RandomizedMultiLinearMap(4, 3, 8, generator=torch.Generator().manual_seed(7))
    assert torch.equal(a.Rf, b.Rf) and torch.equal(a.Rg, b.Rg)


def test_bad_inputs_name_the_shapes():
    with pytest.raises(ValueError, match=r"same batch size, got \(3, 4\) and \(2, 5\)"):
        MultiLinearMap()(torch.zeros(3, 4), torch.zeros(2, 5))
    with pytest.raises(ValueError, match=r"expected f \(N, F\) and g \(N, C\), got \(3,\) and \(3, 5\)"):
        MultiLinearMap()(torch.zeros(3), torch.zeros(3, 5))
    rmap = RandomizedMultiLinearMap(4, 3, 8)
    with pytest.raises(ValueError, match=r"expected f \(N, 4\) and g \(N, 3\), got \(2, 5\) and \(2, 3\)"):
        rmap(torch.zeros(2, 5), torch.zeros(2, 3))
    with pytest.raises(ValueError, match="must be positive"):
        RandomizedMultiLinearMap(4, 0, 8)
