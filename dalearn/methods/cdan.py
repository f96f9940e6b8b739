"""CDAN (Long et al., 2018): a domain discriminator on the multilinear map of features and
predictions, through a gradient reversal. loss = CE(y_s) + trade_off · L_cdan.
``entropy_conditioning=True`` is CDAN+E; ``randomized=True`` uses the randomized map."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from dalearn.losses import ConditionalDomainAdversarialLoss
from dalearn.methods.dann import DANN


class CDAN(DANN):
    """DANN's network, gradient reversal and training; the discriminator reads C·F inputs (the
    multilinear map of the C class probabilities and the F features) or ``randomized_dim``."""

    def __init__(
        self,
        classifier: nn.Module,
        entropy_conditioning: bool = False,
        randomized: bool = False,
        randomized_dim: int = 1024,
        **dann: Any,
    ) -> None:
        self.entropy_conditioning = bool(entropy_conditioning)
        self.randomized = bool(randomized)
        self.randomized_dim = int(randomized_dim)
        super().__init__(classifier, **dann)

    def discriminator_inputs(self) -> int:
        features = self.classifier.features_dim
        return self.randomized_dim if self.randomized else features * self.classifier.num_classes

    def adversarial_loss(self) -> nn.Module:
        return ConditionalDomainAdversarialLoss(
            self.discriminator,
            entropy_conditioning=self.entropy_conditioning,
            randomized=self.randomized,
            num_classes=self.classifier.num_classes,
            features_dim=self.classifier.features_dim,
            randomized_dim=self.randomized_dim,
            grl=self.grl,
        )

    def transfer(self, y_s: torch.Tensor, f_s: torch.Tensor, y_t: torch.Tensor, f_t: torch.Tensor) -> torch.Tensor:
        return self.adversarial(y_s, f_s, y_t, f_t)
