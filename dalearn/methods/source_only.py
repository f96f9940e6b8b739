"""Source-Only: cross-entropy on the labelled source, no adaptation (the baseline)."""

from __future__ import annotations

import torch

from dalearn.methods.base import DomainAdaptationModule, cross_entropy


class SourceOnly(DomainAdaptationModule):
    """The classifier trained on the source only (the recipe's has no bottleneck); the target
    batch is not forwarded."""

    provides = frozenset({"logits_s", "features_s"})

    def compute_losses(self, x_s: torch.Tensor, y_s: torch.Tensor, x_t: torch.Tensor) -> dict[str, torch.Tensor]:
        logits, features = self.classifier(x_s)
        cls_loss = cross_entropy(logits, y_s)
        return self.outputs(
            cls_loss,
            cls_loss=cls_loss,
            transfer_loss=torch.zeros_like(cls_loss),
            logits=(logits, None),
            features=(features, None),
        )
