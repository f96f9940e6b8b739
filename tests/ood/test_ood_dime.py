"""DIME against a NumPy SVD derivation; rank selection; calibration; devices; errors."""

from __future__ import annotations

import dime_reference as ref
import numpy as np
import pytest
import torch

from dalearn.ood import DIME


def _embeddings(n=300, p=12, rank=4, noise=0.05, seed=0, offset=2.0):
    """Rows near a fixed rank-``rank`` subspace (same subspace for every seed)."""
    scale = torch.tensor([4.0, 2.0, 1.0, 0.5, 0.25, 0.1][:rank], dtype=torch.float64)
    basis_generator = torch.Generator().manual_seed(1234)
    basis = torch.linalg.qr(torch.randn(p, p, generator=basis_generator, dtype=torch.float64)).Q[:, :rank]
    g = torch.Generator().manual_seed(seed)
    latent = torch.randn(n, rank, generator=g, dtype=torch.float64) * scale
    return offset + latent @ basis.T + noise * torch.randn(n, p, generator=g, dtype=torch.float64)


@pytest.mark.parametrize("threshold", [0.99, 0.9, 0.5, 3, 1])
@pytest.mark.parametrize("center", [False, True])
def test_distances_match_numpy(threshold, center):
    x = _embeddings()
    new = _embeddings(n=40, seed=1) + torch.linspace(0, 1, 12, dtype=torch.float64)
    dime = DIME(explained_variance_threshold=threshold, center=center).fit(x)
    model = ref.fit(x.numpy(), threshold, center)
    assert dime.rank == model["k"]
    np.testing.assert_allclose(dime.explained_variance.numpy(), model["explained_variance"], rtol=1e-10)
    np.testing.assert_allclose(dime.distance_to_hyperplane(new).numpy(), ref.distance_to(model, new.numpy()), rtol=1e-9)
    np.testing.assert_allclose(
        dime.distance_within_hyperplane(new).numpy(), ref.distance_within(model, new.numpy()), rtol=1e-9
    )


def test_float_threshold_picks_the_smallest_rank_reaching_it():
    x = _embeddings(rank=4, noise=0.01, offset=0.0)
    ratios = DIME(explained_variance_threshold=12).fit(x).explained_variance_ratio
    cumulative = torch.cumsum(ratios, 0)
    for threshold in (0.5, 0.8, 0.95, 0.99, 0.999999, 1.0):
        expected = int((cumulative < threshold - 1e-12).sum()) + 1
        assert DIME(explained_variance_threshold=threshold).fit(x).rank == min(expected, 12)
    assert DIME().fit(x).rank == 4  # the reference returns 1 for every float


def test_centering_matters_for_an_offset_cloud():
    x = _embeddings(rank=2, offset=10.0, noise=0.05)
    centred = DIME(explained_variance_threshold=2, center=True).fit(x).distance_to_hyperplane(x)
    through_origin = DIME(explained_variance_threshold=2, center=False).fit(x).distance_to_hyperplane(x)
    assert centred.mean() < 0.25 < through_origin.mean()


@pytest.mark.parametrize("tail", ["none", "exponential"])
def test_probabilities_match_numpy(tail):
    x, cal = _embeddings(), _embeddings(n=200, seed=2)
    new = torch.cat([_embeddings(n=30, seed=3), _embeddings(n=10, seed=4, noise=0.5)])
    dime = DIME(tail=tail, tail_fraction=0.1).fit(x).calibrate(cal)
    model = ref.fit(x.numpy(), 0.99, False)
    fraction = None if tail == "none" else 0.1
    for method, distance in (
        ("distance_to_hyperplane", ref.distance_to),
        ("distance_within_hyperplane", ref.distance_within),
    ):
        got = getattr(dime, method)(new, return_probabilities=True).numpy()
        expected = ref.probability(distance(model, cal.numpy()), distance(model, new.numpy()), fraction)
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


def test_exponential_tail_keeps_ranking_beyond_the_calibration_range():
    x, cal = _embeddings(), _embeddings(n=200, seed=2)
    plain, tailed = DIME(tail="none").fit(x).calibrate(cal), DIME().fit(x).calibrate(cal)
    v = tailed.components
    direction = torch.randn(12, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    direction -= v @ (v.T @ direction)
    on_plane = x[0] @ v @ v.T
    largest = tailed.distance_to_hyperplane(cal).max()
    beyond = largest + torch.tensor([[0.5], [1.0], [2.0]], dtype=torch.float64)
    far = on_plane + beyond * direction / direction.norm()
    torch.testing.assert_close(tailed.distance_to_hyperplane(far), beyond.flatten())
    assert plain.distance_to_hyperplane(far, return_probabilities=True).tolist() == [1.0, 1.0, 1.0]
    probabilities = tailed.distance_to_hyperplane(far, return_probabilities=True)
    assert bool((probabilities < 1.0).all()) and bool((probabilities[1:] > probabilities[:-1]).all())


def test_tensor_types_and_devices():
    x = _embeddings().float()
    dime = DIME().fit(x).calibrate(x[:100])
    out = dime.distance_to_hyperplane(x[:5])
    assert out.dtype == torch.float32 and out.device == x.device and out.shape == (5,)
    assert dime.distance_within_hyperplane(x[:5], return_probabilities=True).dtype == torch.float64


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_in_cuda_out():
    x = _embeddings()
    dime = DIME().fit(x).calibrate(x[:100])
    out = dime.distance_to_hyperplane(x[:5].cuda(), return_probabilities=True)
    assert out.is_cuda
    torch.testing.assert_close(out.cpu(), dime.distance_to_hyperplane(x[:5], return_probabilities=True))


def test_errors():
    x = _embeddings()
    with pytest.raises(ValueError, match="not fitted"):
        DIME().distance_to_hyperplane(x)
    with pytest.raises(ValueError, match="needs calibrate"):
        DIME().fit(x).distance_to_hyperplane(x, return_probabilities=True)
    with pytest.raises(ValueError, match="feature dimension mismatch: x has 5 features, the model was fitted on 12"):
        DIME().fit(x).distance_within_hyperplane(x[:, :5])
    bad = x.clone()
    bad[2, 3] = float("nan")
    with pytest.raises(ValueError, match="NaN or infinite values in 1 of 300 rows"):
        DIME().fit(bad)
    with pytest.raises(ValueError, match="rank 13 exceeds min"):
        DIME(explained_variance_threshold=13).fit(x)
    for threshold in (0.0, 1.5, True, "0.9", 0):
        with pytest.raises(ValueError, match="explained_variance_threshold"):
            DIME(explained_variance_threshold=threshold)
    with pytest.raises(ValueError, match="tail must be one of"):
        DIME(tail="pareto").fit(x).calibrate(x)
