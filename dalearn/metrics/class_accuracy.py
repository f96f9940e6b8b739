"""Mean per-class accuracy over the classes the evaluated set actually has.

.. math::  \\mathrm{mca} = \\frac{1}{|C^+|} \\sum_{c \\in C^+} \\frac{|\\{i : y_i = c,\\ \\hat y_i = c\\}|}{|\\{i : y_i = c\\}|},
           \\qquad C^+ = \\{c : \\exists i,\\ y_i = c\\},

the average recall of the classes present in the labels — the "mean class accuracy" of the
VisDA-2017 challenge (Peng et al., 2017). torchmetrics' ``MulticlassAccuracy(average="macro")``
averages over every class that occurs in the labels *or the predictions*, so a class the target
lacks but the model predicts counts as 0: on a one-class target whose images are half predicted
right it reports about 17 % with three predicted classes, where the mean per class is 50 %.
A target that lacks some source classes (``data.allow_missing_classes``, partial domain
adaptation) is therefore scored here over its own classes only.
"""

from __future__ import annotations

import torch
from torchmetrics import Metric


class MeanClassAccuracy(Metric):
    """:math:`\\mathrm{mca}` of integer predictions against labels (see the module docstring);
    ``nan`` before any update. States are per-class counts, summed across processes."""

    is_differentiable = False
    higher_is_better = True
    full_state_update = False

    def __init__(self, num_classes: int, **kwargs) -> None:
        super().__init__(**kwargs)
        if not isinstance(num_classes, int) or num_classes < 1:
            raise ValueError(f"num_classes must be a positive integer, got {num_classes!r}")
        self.num_classes = num_classes
        self.add_state("correct", default=torch.zeros(num_classes, dtype=torch.long), dist_reduce_fx="sum")
        self.add_state("support", default=torch.zeros(num_classes, dtype=torch.long), dist_reduce_fx="sum")

    def update(self, predictions: torch.Tensor, labels: torch.Tensor) -> None:
        """Count ``predictions`` (class indices, shape (N,)) against ``labels`` (shape (N,))."""
        labels = labels.reshape(-1).long()
        predictions = predictions.reshape(-1).long()
        if labels.shape != predictions.shape:
            raise ValueError(f"predictions {tuple(predictions.shape)} and labels {tuple(labels.shape)} differ in size")
        if labels.numel() and (labels.min() < 0 or labels.max() >= self.num_classes):
            raise ValueError(f"labels must lie in [0, {self.num_classes}), got {labels.min()}..{labels.max()}")
        self.support += torch.bincount(labels, minlength=self.num_classes)
        self.correct += torch.bincount(labels[predictions == labels], minlength=self.num_classes)

    def compute(self) -> torch.Tensor:
        present = self.support > 0
        if not present.any():
            return torch.tensor(float("nan"))
        return (self.correct[present].double() / self.support[present].double()).mean().float()
