"""On a synthetic problem, confident, well-clustered predictions score higher than uniform or
unstructured ones; and the documented SND caveat (identical rows get the maximum)."""

from __future__ import annotations

import math

import pytest
import torch

from dalearn.validators import build_validator

N, C = 240, 6


def confident() -> torch.Tensor:
    """Balanced, confident predictions: N/C tight clusters near the one-hot corners."""
    g = torch.Generator().manual_seed(0)
    labels = torch.arange(N) % C
    logits = 6.0 * torch.nn.functional.one_hot(labels, C) + 0.3 * torch.randn(N, C, generator=g)
    return logits.double().softmax(dim=1)


def uniform() -> torch.Tensor:
    return torch.full((N, C), 1.0 / C, dtype=torch.float64)


def unstructured() -> torch.Tensor:
    """Predictions spread over the simplex with no cluster structure (flat Dirichlet)."""
    torch.manual_seed(1)
    return torch.distributions.Dirichlet(torch.ones(C, dtype=torch.float64)).sample((N,))


def score(name: str, probs: torch.Tensor) -> float:
    validator = build_validator(name)
    validator.update(target_probs=probs)
    return float(validator.compute())


@pytest.mark.parametrize("name", ["entropy", "ima", "bnm"])
def test_confident_beats_uniform_and_unstructured(name):
    good = score(name, confident())
    for other in (uniform(), unstructured()):
        assert good - score(name, other) > 0.2 * abs(good), name


def test_uniform_values():
    assert score("entropy", uniform()) == pytest.approx(-math.log(C))
    assert score("ima", uniform()) == pytest.approx(0.0, abs=1e-12)
    assert score("bnm", uniform()) == pytest.approx(math.sqrt(N / C) / N * 1.0, rel=1e-12)


def test_snd_prefers_clusters_to_unstructured_predictions():
    assert score("snd", confident()) > score("snd", unstructured()) + 0.05


def test_snd_gives_identical_rows_the_maximum():
    """The caveat in the SND docstring: all rows uniform (one point) gets log(N − 1), more
    than the clustered predictions' about log(N/C − 1)."""
    assert score("snd", uniform()) == pytest.approx(math.log(N - 1), rel=1e-12)
    assert score("snd", confident()) < math.log(N / C)
    assert score("snd", confident()) > math.log(N / C - 1) - 0.5
