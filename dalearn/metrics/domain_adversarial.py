"""Metric form of the domain-adversarial (DANN) loss, with domain accuracy."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torchmetrics import Metric

from dalearn.metrics._checks import check_rows


class DomainAdversarialAccuracy(Metric):
    r"""How well a domain discriminator D tells source features from target features.

    For logits d = D(f) and domain labels y (``source_label`` for source rows, the other
    label for target rows), accumulated over every update:

    .. math::
        \mathrm{loss} = \tfrac12\big[\overline{\mathrm{BCE}}_s + \overline{\mathrm{BCE}}_t\big],\qquad
        \mathrm{BCE}(d, y) = \max(d,0) - d\,y + \log(1 + e^{-|d|})

    (the binary cross-entropy with logits, averaged per domain and then over the two
    domains — the value of :class:`dalearn.losses.DomainAdversarialLoss` when both domains
    have equal sizes), and the accuracy of the rule "logit ≥ 0 ⇒ label 1":
    ``source_accuracy``, ``target_accuracy`` and their mean ``accuracy`` (balanced, so an
    uninformative discriminator scores 0.5 whatever the domain sizes).

    ``compute()`` returns a dict with ``loss``, ``accuracy``, ``source_accuracy`` and
    ``target_accuracy`` (float64). The discriminator runs under ``torch.no_grad()`` and in
    eval mode (its mode is restored after each update), so monitoring never changes it; train
    with :class:`dalearn.losses.DomainAdversarialLoss`.

    Original API (``DomainAdversarialLoss(domain_disc)`` with ``update(source,
    target)``): the seed labels source 0 and target 1; dalearn's discriminators and losses
    label source 1, which is the default here. Pass ``source_label=0`` for the seed convention.

    Args:
        domain_discriminator: module mapping (N, F) features to (N,) or (N, 1) logits.
        source_label: 1 (default, dalearn convention) or 0 (seed convention).

    Example:
        >>> from dalearn.nn import DomainDiscriminator
        >>> metric = DomainAdversarialAccuracy(DomainDiscriminator(in_feature=8, hidden_size=16))
        >>> metric.update(torch.randn(32, 8), torch.randn(32, 8))
        >>> sorted(metric.compute())
        ['accuracy', 'loss', 'source_accuracy', 'target_accuracy']
    """

    is_differentiable = False
    higher_is_better = None
    full_state_update = False

    def __init__(self, domain_discriminator: nn.Module, source_label: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if source_label not in (0, 1):
            raise ValueError(f"source_label must be 0 or 1, got {source_label!r}")
        self.domain_discriminator = domain_discriminator
        self.source_label = int(source_label)
        for domain in ("source", "target"):
            self.add_state(f"{domain}_bce", torch.zeros((), dtype=torch.float64), dist_reduce_fx="sum")
            self.add_state(f"{domain}_correct", torch.zeros((), dtype=torch.float64), dist_reduce_fx="sum")
            self.add_state(f"{domain}_count", torch.zeros((), dtype=torch.float64), dist_reduce_fx="sum")

    def _logits(self, name: str, features: torch.Tensor) -> torch.Tensor:
        parameter = next(self.domain_discriminator.parameters(), None)
        if parameter is not None and parameter.is_floating_point():
            features = features.to(parameter.dtype)
        was_training = self.domain_discriminator.training
        self.domain_discriminator.eval()
        try:
            with torch.no_grad():
                logits = self.domain_discriminator(features)
        finally:
            self.domain_discriminator.train(was_training)
        if logits.dim() == 2 and logits.size(1) == 1:
            logits = logits[:, 0]
        if logits.shape != (features.size(0),):
            raise ValueError(
                f"the discriminator must return one logit per row, shape (N,) or (N, 1); for {name} of shape "
                f"{tuple(features.shape)} it returned {tuple(logits.shape)}"
            )
        if not bool(torch.isfinite(logits).all()):
            raise ValueError(f"the discriminator returned NaN or infinite logits for {name}")
        return logits.to(torch.float64)

    def update(self, source: torch.Tensor, target: torch.Tensor) -> None:
        """Score one batch of source and one batch of target features."""
        source = check_rows("source", source)
        target = check_rows("target", target, source.size(1))
        for domain, features, label in (
            ("source", source, self.source_label),
            ("target", target, 1 - self.source_label),
        ):
            logits = self._logits(domain, features)
            labels = torch.full_like(logits, float(label))
            bce = F.binary_cross_entropy_with_logits(logits, labels, reduction="sum")
            correct = ((logits >= 0).to(torch.float64) == labels).sum()
            setattr(self, f"{domain}_bce", getattr(self, f"{domain}_bce") + bce)
            setattr(self, f"{domain}_correct", getattr(self, f"{domain}_correct") + correct)
            setattr(self, f"{domain}_count", getattr(self, f"{domain}_count") + logits.numel())

    def compute(self) -> dict[str, torch.Tensor]:
        if float(self.source_count) == 0 or float(self.target_count) == 0:
            raise ValueError(
                "DomainAdversarialAccuracy.compute() needs at least one source and one target row; "
                "call update(source, target) first"
            )
        source_accuracy = self.source_correct / self.source_count
        target_accuracy = self.target_correct / self.target_count
        return {
            "loss": 0.5 * (self.source_bce / self.source_count + self.target_bce / self.target_count),
            "accuracy": 0.5 * (source_accuracy + target_accuracy),
            "source_accuracy": source_accuracy,
            "target_accuracy": target_accuracy,
        }
