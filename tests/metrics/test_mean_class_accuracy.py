"""MeanClassAccuracy averages the recall of the classes the labels have — a class the target
lacks does not count as 0 even when the model predicts it — and the methods log it as
``tgt_mean_class_acc``."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dalearn.metrics import MeanClassAccuracy


def reference(predictions: np.ndarray, labels: np.ndarray) -> float:
    """The definition, class by class over the classes present in the labels."""
    return float(np.mean([(predictions[labels == c] == c).mean() for c in np.unique(labels)]))


def test_a_one_class_target_gets_its_true_mean():
    labels = torch.zeros(10, dtype=torch.long)
    predictions = torch.tensor([0] * 5 + [1] * 3 + [2] * 2)
    metric = MeanClassAccuracy(4)
    metric.update(predictions, labels)
    assert metric.compute().item() == pytest.approx(0.5)
    from torchmetrics.classification import MulticlassAccuracy

    assert MulticlassAccuracy(4, average="macro")(predictions, labels).item() == pytest.approx(1 / 6)  # the old number


def test_it_matches_the_definition_over_batches_with_missing_classes():
    generator = np.random.default_rng(0)
    labels = generator.choice([0, 2, 5], size=300)
    predictions = np.where(generator.random(300) < 0.6, labels, generator.integers(0, 7, 300))
    metric = MeanClassAccuracy(7)
    for start in range(0, 300, 64):
        metric.update(torch.as_tensor(predictions[start : start + 64]), torch.as_tensor(labels[start : start + 64]))
    assert metric.compute().item() == pytest.approx(reference(predictions, labels), abs=1e-6)


def test_nothing_seen_is_nan_and_bad_labels_are_refused():
    metric = MeanClassAccuracy(3)
    assert torch.isnan(metric.compute())
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
        metric.update(torch.tensor([0]), torch.tensor([3]))


def test_the_methods_report_it_for_the_target():
    from dalearn.methods import SourceOnly
    from dalearn.nn import ImageClassifier, build_backbone

    module = SourceOnly(ImageClassifier(build_backbone("lenet"), 10))
    assert isinstance(module.eval_metrics["target_val"]["mean_class_acc"], MeanClassAccuracy)
