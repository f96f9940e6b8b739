"""Each validator, functional and Metric, against an independent NumPy / scikit-learn
derivation (1e-6), and the Metric equal to its functional twin."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import validators_reference as ref
from validators_reference import problem

from dalearn.metrics._hashing import canonical_order, row_hashes
from dalearn.validators import build_validator
from dalearn.validators.batch_nuclear_norm import batch_nuclear_norm
from dalearn.validators.class_ami import class_ami
from dalearn.validators.deep_embedded_validation import deep_embedded_validation, dev_risk, normalize_weights
from dalearn.validators.entropy import entropy
from dalearn.validators.information_maximization import information_maximization
from dalearn.validators.soft_neighborhood_density import soft_neighborhood_density
from dalearn.validators.source_accuracy import source_accuracy

TOL = dict(rel=1e-6, abs=1e-6)


def metric_value(name: str, data: dict, **kwargs) -> float:
    validator = build_validator(name, **kwargs)
    validator.update(**{k: data[k] for k in validator.inputs})
    return float(validator.compute())


@pytest.mark.parametrize("seed", [0, 1])
def test_target_probability_scores_match_numpy(seed):
    data = problem(seed)
    p = data["target_probs"].numpy()
    expected = {
        "entropy": ref.entropy(p),
        "ima": ref.information_maximization(p),
        "bnm": ref.batch_nuclear_norm(p),
        "snd": ref.soft_neighborhood_density(p),
    }
    functional = {
        "entropy": entropy,
        "ima": information_maximization,
        "bnm": batch_nuclear_norm,
        "snd": soft_neighborhood_density,
    }
    for name, value in expected.items():
        assert float(functional[name](data["target_probs"])) == pytest.approx(value, **TOL), name
        assert metric_value(name, data) == pytest.approx(value, **TOL), name


def test_entropy_handles_exact_zeros_and_ima_of_a_collapse_is_zero():
    one_hot = torch.eye(3, dtype=torch.float64)[[0, 1, 2, 0]]
    assert float(entropy(one_hot)) == 0.0
    collapsed = torch.tensor([[0.7, 0.2, 0.1]] * 5, dtype=torch.float64)
    assert float(information_maximization(collapsed)) == pytest.approx(0.0, abs=1e-12)
    assert float(information_maximization(one_hot[:3])) == pytest.approx(np.log(3), abs=1e-12)


def test_snd_on_features_and_temperature():
    data = problem(2)
    x = data["target_features"]
    expected = ref.soft_neighborhood_density(x.numpy(), temperature=0.2)
    assert float(soft_neighborhood_density(x, temperature=0.2, block_size=7)) == pytest.approx(expected, **TOL)
    assert metric_value("snd", data, layer="target_features", temperature=0.2, block_size=9) == pytest.approx(
        expected, **TOL
    )


def test_source_accuracy_matches_numpy():
    data = problem(3)
    expected = ref.source_accuracy(data["source_logits"].numpy(), data["source_labels"].numpy())
    assert 0.0 < expected < 1.0
    assert float(source_accuracy(data["source_logits"], data["source_labels"])) == pytest.approx(expected, abs=1e-12)
    assert metric_value("src_acc", data) == pytest.approx(expected, abs=1e-12)


def _canonical(data: dict) -> dict:
    """The rows in the content-hash order the stored-row validators sort into."""
    source = canonical_order(
        row_hashes([data["source_features"], data["source_logits"], data["source_labels"].double().unsqueeze(1)])
    )
    target = canonical_order(row_hashes([data["target_features"]]))
    return {
        "source_features": data["source_features"][source],
        "source_logits": data["source_logits"][source],
        "source_labels": data["source_labels"][source],
        "target_features": data["target_features"][target],
    }


@pytest.mark.parametrize("normalization", [None, "max"])
def test_dev_matches_sklearn_derivation(normalization):
    data = problem(4)
    args = [data[k] for k in ("source_features", "source_logits", "source_labels", "target_features")]
    expected = ref.deep_embedded_validation(*[a.numpy() for a in args], normalized=normalization == "max")
    assert float(deep_embedded_validation(*args, normalization=normalization)) == pytest.approx(expected, **TOL)
    ordered = _canonical(data)
    name = "devn" if normalization else "dev"
    on_canonical_rows = ref.deep_embedded_validation(
        *[ordered[k].numpy() for k in ("source_features", "source_logits", "source_labels", "target_features")],
        normalized=normalization == "max",
    )
    assert metric_value(name, data) == pytest.approx(on_canonical_rows, **TOL)


def test_devn_weights_are_max_scaled_with_unit_mean_and_dev_risk_matches_numpy():
    g = np.random.default_rng(5)
    weights = np.r_[g.gamma(2.0, 0.5, 200), 400.0]
    losses = g.exponential(1.0, 201)
    normalized = normalize_weights(weights, "max")
    assert normalized.mean() == pytest.approx(1.0, abs=1e-12)
    assert np.ptp(normalized) == pytest.approx(np.ptp(weights) / weights.max(), rel=1e-12)
    assert normalize_weights(weights, None) is weights
    assert dev_risk(weights, losses) == pytest.approx(ref.dev_risk(weights, losses), rel=1e-10)
    assert dev_risk(normalized, losses) == pytest.approx(np.mean(normalized * losses), rel=1e-10)
    assert dev_risk(np.full(5, 2.0), np.arange(5.0)) == pytest.approx(4.0)
    data = problem(5)
    assert metric_value("dev", data) != pytest.approx(metric_value("devn", data), rel=1e-3)


def test_dev_of_unshifted_domains_is_close_to_the_source_loss():
    g = torch.Generator().manual_seed(7)
    features = torch.randn(400, 3, generator=g, dtype=torch.float64)
    logits = torch.randn(200, 4, generator=g, dtype=torch.float64)
    labels = torch.randint(0, 4, (200,), generator=g)
    loss = torch.nn.functional.cross_entropy(logits, labels)
    score = deep_embedded_validation(features[:200], logits, labels, features[200:])
    assert float(score) == pytest.approx(-float(loss), rel=0.1)


def test_class_ami_matches_sklearn_derivation():
    data = problem(6)
    expected = ref.class_ami(data["target_features"].numpy(), data["target_probs"].numpy())
    assert 0.0 < expected < 1.0
    assert float(class_ami(data["target_features"], data["target_probs"])) == pytest.approx(expected, abs=1e-12)
    order = canonical_order(row_hashes([data["target_features"], data["target_probs"].argmax(1).double().unsqueeze(1)]))
    on_canonical_rows = ref.class_ami(data["target_features"][order].numpy(), data["target_probs"][order].numpy())
    assert metric_value("class_ami", data) == pytest.approx(on_canonical_rows, abs=1e-12)


def test_class_ami_normalize_clusters_directions():
    g = torch.Generator().manual_seed(8)
    directions = torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=torch.float64)
    labels = torch.arange(40) % 2
    scale = torch.rand(40, 1, generator=g, dtype=torch.float64) * 10 + 0.1
    features = directions[labels] * scale + 0.01 * torch.randn(40, 2, generator=g, dtype=torch.float64)
    probs = torch.nn.functional.one_hot(labels, 2).double()
    assert float(class_ami(features, probs, normalize=True)) == pytest.approx(1.0)
    expected = ref.class_ami(torch.nn.functional.normalize(features, dim=1).numpy(), probs.numpy())
    assert float(class_ami(features, probs, normalize=True)) == pytest.approx(expected, abs=1e-12)
