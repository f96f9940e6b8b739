"""BatchSpectralPenalizationLoss against the eigenvalues of the Gram matrices (NumPy):
σ_i² = λ_i(fᵀf), so the loss is the sum of the k largest eigenvalues of each domain."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from numpy_reference import singular_values

from dalearn.losses import BatchSpectralPenalizationLoss


def features(n: int, f: int, seed: int) -> torch.Tensor:
    return torch.randn(n, f, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("n_s,n_t,f,k", [(8, 8, 5, 1), (6, 9, 4, 2), (3, 4, 10, 3), (12, 7, 7, 1)])
def test_value_is_the_sum_of_the_top_k_gram_eigenvalues(n_s, n_t, f, k):
    f_s, f_t = features(n_s, f, seed=1), features(n_t, f, seed=2)
    s_s, s_t = singular_values(f_s.numpy()), singular_values(f_t.numpy())
    expected = np.sum(s_s[:k] ** 2) + np.sum(s_t[:k] ** 2)
    assert BatchSpectralPenalizationLoss(k=k)(f_s, f_t).item() == pytest.approx(expected, rel=1e-6)


def test_default_is_the_single_largest_singular_value_as_in_tllib():
    f_s, f_t = features(8, 6, seed=3), features(8, 6, seed=4)
    tllib = torch.svd(f_s)[1][0] ** 2 + torch.svd(f_t)[1][0] ** 2
    assert BatchSpectralPenalizationLoss()(f_s, f_t).item() == pytest.approx(tllib.item(), rel=1e-12)


def test_k_equal_to_the_rank_gives_the_squared_frobenius_norms():
    f_s, f_t = features(4, 6, seed=5), features(4, 6, seed=6)
    expected = (f_s**2).sum() + (f_t**2).sum()
    assert BatchSpectralPenalizationLoss(k=4)(f_s, f_t).item() == pytest.approx(expected.item(), rel=1e-10)


@pytest.mark.parametrize("k", [1, 2])
def test_gradcheck(k):
    f_s = features(5, 4, seed=7).requires_grad_(True)
    f_t = features(6, 4, seed=8).requires_grad_(True)
    assert torch.autograd.gradcheck(BatchSpectralPenalizationLoss(k=k), (f_s, f_t), eps=1e-6, atol=1e-7)


def test_gradient_is_twice_sigma_u_v_transposed():
    f_s = features(5, 3, seed=9).requires_grad_(True)
    f_t = features(5, 3, seed=10).requires_grad_(True)
    BatchSpectralPenalizationLoss()(f_s, f_t).backward()
    u, s, vt = np.linalg.svd(f_s.detach().numpy())
    np.testing.assert_allclose(f_s.grad.numpy(), 2.0 * s[0] * np.outer(u[:, 0], vt[0]), rtol=1e-8, atol=1e-12)


def test_low_precision_features_are_decomposed_in_float32():
    f_s, f_t = features(8, 5, seed=11).float(), features(8, 5, seed=12).float()
    full = BatchSpectralPenalizationLoss()(f_s, f_t)
    for dtype in (torch.bfloat16, torch.float16):
        low = BatchSpectralPenalizationLoss()(f_s.to(dtype), f_t.to(dtype))
        assert low.dtype == torch.float32
        assert low.item() == pytest.approx(full.item(), rel=0.02)
