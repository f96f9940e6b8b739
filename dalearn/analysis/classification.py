"""Per-class accuracy and the confusion matrix of a classifier's predictions."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import confusion_matrix


def confusion(labels: np.ndarray, predictions: np.ndarray, num_classes: int) -> np.ndarray:
    """(C, C) counts: row = true class, column = predicted class."""
    return confusion_matrix(labels, predictions, labels=np.arange(num_classes))


def per_class_accuracy(labels: np.ndarray, predictions: np.ndarray, num_classes: int) -> dict[str, np.ndarray]:
    """``support`` (images of each class), ``correct`` and ``accuracy`` (NaN for a class
    with no image) per class."""
    matrix = confusion(labels, predictions, num_classes)
    support = matrix.sum(axis=1)
    correct = np.diag(matrix)
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy = np.where(support > 0, correct / np.maximum(support, 1), np.nan)
    return {"support": support, "correct": correct, "accuracy": accuracy}
