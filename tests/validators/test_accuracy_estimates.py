"""ATC and DoC against independent NumPy derivations: ATC's threshold by the authors' sweep that
balances false positives and false negatives over the sorted hold-out scores (Garg et al. 2022,
``find_ATC_threshold``), DoC by its formula; the batched metric equals the whole-set functions."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dalearn.validators.accuracy_estimation import AccuracyEstimates, atc, atc_threshold, doc, negative_entropy


def softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def numpy_negative_entropy(probs):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(probs > 0, probs * np.log(probs), 0.0).sum(axis=1)


def balanced_threshold(scores, correct):
    """The authors' sweep: walk up the sorted scores; after item i the scores ≤ it are "below";
    keep the i where |errors above − corrects below| is smallest (the first such i)."""
    order = np.argsort(scores, kind="stable")
    sorted_scores, sorted_correct = scores[order], correct[order]
    errors_above, corrects_below = float(np.sum(~correct)), 0.0
    best, threshold = abs(errors_above - corrects_below), -np.inf
    for i in range(len(scores)):
        if sorted_correct[i]:
            corrects_below += 1
        else:
            errors_above -= 1
        if abs(errors_above - corrects_below) < best:
            best, threshold = abs(errors_above - corrects_below), sorted_scores[i]
    return threshold


@pytest.mark.parametrize("seed", range(5))
def test_atc_and_doc_against_numpy(seed):
    rng = np.random.default_rng(seed)
    source_logits = rng.normal(size=(300, 6)) * 2.5
    labels = np.where(rng.random(300) < 0.7, source_logits.argmax(axis=1), rng.integers(0, 6, 300))
    target_probs = softmax(rng.normal(size=(500, 6)) * 1.5)
    source_probs = softmax(source_logits)
    correct = source_probs.argmax(axis=1) == labels
    scores = numpy_negative_entropy(source_probs)
    threshold = balanced_threshold(scores, correct)
    # the threshold leaves exactly n_correct hold-out scores above it
    assert np.sum(scores > threshold) == correct.sum()
    expected_atc = np.mean(numpy_negative_entropy(target_probs) > threshold)
    expected_doc = correct.mean() - (source_probs.max(axis=1).mean() - target_probs.max(axis=1).mean())

    source_scores = negative_entropy(torch.from_numpy(source_probs))
    assert atc_threshold(source_scores, torch.from_numpy(correct)) == pytest.approx(threshold, abs=1e-12)
    got_atc = atc(source_scores, torch.from_numpy(correct), negative_entropy(torch.from_numpy(target_probs)))
    assert got_atc == pytest.approx(expected_atc, abs=1e-12)
    got_doc = doc(
        torch.from_numpy(source_probs.max(axis=1)),
        torch.from_numpy(correct),
        torch.from_numpy(target_probs.max(axis=1)),
    )
    assert got_doc == pytest.approx(expected_doc, abs=1e-12)

    metric = AccuracyEstimates()
    for chunk in np.array_split(np.arange(300), 4):
        metric.update(
            source_logits=torch.from_numpy(source_logits[chunk]).float(), source_labels=torch.from_numpy(labels[chunk])
        )
    for chunk in np.array_split(np.arange(500), 3):
        metric.update(target_probs=torch.from_numpy(target_probs[chunk]).float())
    values = metric.compute()
    assert values["atc"] == pytest.approx(expected_atc, abs=2 / 500)  # float32 logits may move one image
    assert values["doc"] == pytest.approx(expected_doc, abs=1e-5)


def test_an_exact_source_gives_an_estimate_of_every_target_image_and_no_source_gives_nan():
    scores = torch.tensor([-0.1, -0.2, -0.3])
    assert atc_threshold(scores, torch.tensor([1.0, 1.0, 1.0])) == float("-inf")
    assert atc(scores, torch.tensor([1.0, 1.0, 1.0]), torch.tensor([-5.0, -0.01])) == 1.0
    assert atc(scores, torch.tensor([0.0, 0.0, 0.0]), torch.tensor([-5.0, -0.01])) == 0.5  # above the best source
    metric = AccuracyEstimates()
    metric.update(target_probs=torch.tensor([[0.5, 0.5]]))
    assert all(np.isnan(v) for v in metric.compute().values())


def test_a_bad_score_name_is_refused():
    with pytest.raises(ValueError, match="score='margin'"):
        AccuracyEstimates(score="margin")
