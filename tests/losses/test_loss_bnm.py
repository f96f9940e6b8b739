"""BatchNuclearNormMaximization against the eigenvalues of the Gram matrix (NumPy), with
both normalisations: the paper's 1/B and the authors' code's mean over singular values."""

from __future__ import annotations

import pytest
import torch
from numpy_reference import singular_values, softmax

from dalearn.losses import BatchNuclearNormMaximization


def logits(b: int, c: int, seed: int) -> torch.Tensor:
    return torch.randn(b, c, dtype=torch.float64, generator=torch.Generator().manual_seed(seed)) * 2.0


@pytest.mark.parametrize("b,c", [(8, 5), (4, 10), (6, 6)])
def test_value_matches_numpy_for_both_normalisations(b, c):
    y = logits(b, c, seed=b + c)
    nuclear = singular_values(softmax(y.numpy())).sum()
    assert BatchNuclearNormMaximization()(y).item() == pytest.approx(-nuclear / b, rel=1e-6)
    reference = BatchNuclearNormMaximization(normalization="reference")(y)
    assert reference.item() == pytest.approx(-nuclear / min(b, c), rel=1e-6)


def test_reference_normalisation_is_the_authors_mean_of_singular_values():
    y = logits(9, 4, seed=1)
    authors = -torch.mean(torch.svd(torch.softmax(y, dim=1))[1])
    assert BatchNuclearNormMaximization(normalization="reference")(y).item() == pytest.approx(authors.item(), rel=1e-12)


def test_normalisations_agree_when_the_batch_is_not_larger_than_the_class_count():
    y = logits(5, 8, seed=2)
    batch = BatchNuclearNormMaximization("batch")(y).item()
    assert BatchNuclearNormMaximization("reference")(y).item() == pytest.approx(batch, rel=1e-12)


def test_confident_and_diverse_reaches_minus_one_collapsed_does_not():
    bnm = BatchNuclearNormMaximization()
    diverse = 100.0 * torch.eye(4, 6, dtype=torch.float64)
    assert bnm(diverse).item() == pytest.approx(-1.0, abs=1e-12)
    collapsed = 100.0 * torch.eye(6, dtype=torch.float64)[[0, 0, 0, 0]]
    assert bnm(collapsed).item() == pytest.approx(-2.0 / 4, abs=1e-12)
    assert -1.0 <= bnm(logits(7, 5, seed=3)).item() < 0.0


@pytest.mark.parametrize("normalization", ["batch", "reference"])
def test_gradcheck(normalization):
    y = logits(5, 4, seed=4).requires_grad_(True)
    assert torch.autograd.gradcheck(BatchNuclearNormMaximization(normalization), (y,), eps=1e-6, atol=1e-8)


def test_low_precision_logits_are_decomposed_in_float32():
    y = logits(6, 4, seed=6).float()
    full = BatchNuclearNormMaximization()(y).item()
    for dtype in (torch.bfloat16, torch.float16):
        assert BatchNuclearNormMaximization()(y.to(dtype)).item() == pytest.approx(full, rel=0.02)
