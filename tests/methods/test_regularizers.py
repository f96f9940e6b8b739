"""Regularisers: the objective is loss + Σ weight · R(outputs) with R the loss of
dalearn.losses on the method's own tensors; bad settings and missing inputs are refused by name."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy.spatial.distance import cdist

from dalearn.losses import BatchSpectralPenalizationLoss, MinimumClassConfusionLoss, entropy
from dalearn.methods import BNM, CDAN, DANN, MCD, SourceOnly
from dalearn.methods.clustering import cluster_pseudo_labels
from dalearn.methods.regularizers import CONFIDENCE_AND_DIVERSITY_SCORES, REGULARIZERS, build_regularizers
from dalearn.nn import ImageClassifier, MCDClassifier, bottleneck, build_backbone


def lenet():
    return build_backbone("lenet", pretrained=False)


def network(bottleneck_dim: int = 256) -> ImageClassifier:
    """DANN's and CDAN's network on LeNet, as their configs build it."""
    return ImageClassifier(lenet(), 10, bottleneck, bottleneck_dim)


def test_objective_adds_each_weighted_term_and_keeps_it_for_the_log():
    torch.manual_seed(0)
    model = DANN(network(), regularizers={"mcc": {"weight": 0.7, "temperature": 2.0}, "bsp": {"weight": 1e-3}})
    x_s, y_s, x_t = torch.rand(8, 3, 28, 28), torch.randint(0, 10, (8,)), torch.rand(8, 3, 28, 28)
    losses = model.compute_losses(x_s, y_s, x_t)
    total = model.add_regularizers(losses)
    mcc = MinimumClassConfusionLoss(2.0)(losses["logits_t"])
    bsp = BatchSpectralPenalizationLoss(1)(losses["features_s"], losses["features_t"])
    torch.testing.assert_close(total["reg/mcc"], mcc)
    torch.testing.assert_close(total["reg/bsp"], bsp)
    torch.testing.assert_close(total["loss"], losses["loss"] + 0.7 * mcc + 1e-3 * bsp)


def test_mcd_adds_the_terms_to_step_a_on_the_mean_of_its_two_heads():
    """MCD+MCC: the regulariser reads log((p1 + p2) / 2) of the target batch and G's features,
    recomputed here from the heads themselves."""
    torch.manual_seed(0)
    model = MCD(MCDClassifier(lenet(), 10, 64), regularizers={"mcc": {"weight": 0.5}, "bsp": {"weight": 1e-3}})
    x_s, y_s, x_t = torch.rand(8, 3, 28, 28), torch.randint(0, 10, (8,)), torch.rand(6, 3, 28, 28)
    model.eval()
    minimised = []
    model.minimise = lambda loss, *optimizers: minimised.append(loss)  # the steps' objectives, no optimiser
    model.optimizers = lambda: (None, None)
    with torch.no_grad():
        total = model.training_iteration(x_s, y_s, x_t)
    g_t = model.classifier.backbone(x_t)
    g_s = model.classifier.backbone(x_s)
    heads = (model.classifier.head1, model.classifier.head2)
    p1, p2 = (torch.softmax(head(g_t), dim=1) for head in heads)
    mcc = MinimumClassConfusionLoss(2.5)(torch.log((p1 + p2) / 2))
    bsp = BatchSpectralPenalizationLoss(1)(g_s, g_t)
    step_a = sum(F.cross_entropy(head(g_s), y_s) for head in heads) + 0.01 * (entropy(p1) + entropy(p2))
    torch.testing.assert_close(total["reg/mcc"], mcc)
    torch.testing.assert_close(total["reg/bsp"], bsp)
    torch.testing.assert_close(total["loss"], step_a + 0.5 * mcc + 1e-3 * bsp)
    torch.testing.assert_close(minimised[0], total["loss"])
    assert len(minimised) == 2 + model.num_k  # steps A, B and num_k × C


def test_paper_defaults_when_only_a_name_is_given():
    regs = build_regularizers({"mcc": None, "bsp": {}, "afn": {}, "bnm": {}, "im": {}}, "DANN", DANN.provides)
    assert regs["mcc"].weight == 1.0 and regs["mcc"].loss.temperature == 2.5
    assert regs["bsp"].weight == 2e-4 and regs["bsp"].loss.k == 1
    assert regs["afn"].weight == 0.05 and regs["afn"].loss.delta == 1.0
    assert regs["bnm"].weight == 1.0 and regs["im"].weight == 1.0
    assert set(REGULARIZERS) == {"mcc", "bnm", "bsp", "afn", "im"}


def test_a_regulariser_the_method_cannot_feed_is_refused_naming_all_three():
    with pytest.raises(ValueError, match=r"method SourceOnly cannot take the regulariser 'mcc'.*\['logits_t'\]"):
        SourceOnly(ImageClassifier(lenet(), 10), regularizers={"mcc": {"weight": 1.0}})


@pytest.mark.parametrize(
    "spec,error,message",
    [
        ({"mmc": {}}, ValueError, "unknown regulariser 'mmc'.*known: \\['afn', 'bnm', 'bsp', 'im', 'mcc'\\]"),
        ({"mcc": {"weight": -1.0}}, ValueError, "weight must be a number >= 0"),
        ({"mcc": {"temprature": 2.0}}, TypeError, "method.regularizers.mcc: .*temprature"),
        ([{"mcc": {}}], TypeError, "must be a mapping name"),
    ],
)
def test_bad_settings_are_refused(spec, error, message):
    with pytest.raises(error, match=message):
        CDAN(network(), regularizers=spec)


def numpy_shot_labels(features, probabilities, rounds):
    """SHOT's obtain_label, written from the paper's description with NumPy/SciPy."""
    f = np.concatenate([features, np.ones((len(features), 1))], axis=1)
    f = f / np.linalg.norm(f, axis=1, keepdims=True)
    k = probabilities.shape[1]
    candidates = np.where(np.eye(k)[probabilities.argmax(1)].sum(0) > 0)[0]
    aff = probabilities
    centroids = aff.T @ f / (1e-8 + aff.sum(0)[:, None])
    labels = candidates[cdist(f, centroids[candidates], "cosine").argmin(1)]
    for _ in range(rounds):
        aff = np.eye(k)[labels]
        centroids = aff.T @ f / (1e-8 + aff.sum(0)[:, None])
        labels = candidates[cdist(f, centroids[candidates], "cosine").argmin(1)]
    return labels


@pytest.mark.parametrize("rounds", [0, 1, 2])
def test_clustering_matches_a_scipy_derivation(rounds):
    rng = np.random.default_rng(rounds)
    centres = rng.normal(size=(5, 16)) * 3
    truth = rng.integers(0, 5, size=300)
    features = centres[truth] + rng.normal(size=(300, 16))
    logits = rng.normal(size=(300, 6))
    logits[np.arange(300), truth] += 1.0  # class 5 is never predicted: not a candidate
    probabilities = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    probabilities[:, 5] = 0.0
    probabilities /= probabilities.sum(1, keepdims=True)
    expected = numpy_shot_labels(features, probabilities, rounds)
    labels = cluster_pseudo_labels(torch.tensor(features), torch.tensor(probabilities), rounds=rounds)
    np.testing.assert_array_equal(labels.numpy(), expected)
    assert 5 not in set(labels.tolist())
    if rounds:
        assert (labels.numpy() == truth).mean() > 0.95


def test_methods_and_regularisers_declare_the_scores_they_maximise():
    """What dalearn-select keeps those scores from judging (tests/selection/test_trained_score_contract.py)."""
    assert CONFIDENCE_AND_DIVERSITY_SCORES == {"entropy", "ima", "bnm"}
    assert BNM(network()).trained_scores == CONFIDENCE_AND_DIVERSITY_SCORES
    assert DANN(network()).trained_scores == frozenset()
    assert DANN(network(), regularizers={"im": {}}).trained_scores == CONFIDENCE_AND_DIVERSITY_SCORES
    assert DANN(network(), regularizers={"mcc": {}, "bsp": {}}).trained_scores == frozenset()
