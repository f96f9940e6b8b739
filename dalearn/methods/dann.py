"""DANN (Ganin et al., 2016): features made domain-indistinguishable by a discriminator
trained through a gradient reversal layer. loss = CE(y_s) + trade_off · L_adv."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from dalearn.losses import DomainAdversarialLoss
from dalearn.methods.base import DomainAdaptationModule, cross_entropy
from dalearn.nn import DomainDiscriminator


class DANN(DomainAdaptationModule):
    """Discriminator with ``hidden_size`` units, warm-start GRL (α, lo, hi, N = ``grl_*``), one
    forward of cat(x_s, x_t). CDAN changes what the discriminator reads (its three hooks)."""

    def __init__(
        self,
        classifier: nn.Module,
        hidden_size: int = 1024,
        grl_alpha: float = 1.0,
        grl_lo: float = 0.0,
        grl_hi: float = 1.0,
        grl_max_iters: int = 1000,
        **base: Any,
    ) -> None:
        super().__init__(classifier, **base)
        self.discriminator = DomainDiscriminator(self.discriminator_inputs(), hidden_size)
        self.warm_start_grl(grl_alpha, grl_lo, grl_hi, grl_max_iters, auto_step=True)
        self.adversarial = self.adversarial_loss()

    def discriminator_inputs(self) -> int:
        """The discriminator's input width: the classifier's features."""
        return self.classifier.features_dim

    def adversarial_loss(self) -> nn.Module:
        return DomainAdversarialLoss(self.discriminator, grl=self.grl)

    def transfer(self, y_s: torch.Tensor, f_s: torch.Tensor, y_t: torch.Tensor, f_t: torch.Tensor) -> torch.Tensor:
        """The adversarial loss of one iteration (DANN: on the features alone)."""
        return self.adversarial(f_s, f_t)

    def parameter_groups(self) -> list[dict]:
        return super().parameter_groups() + [{"params": list(self.discriminator.parameters()), "lr_mult": 1.0}]

    def compute_losses(self, x_s: torch.Tensor, y_s: torch.Tensor, x_t: torch.Tensor) -> dict[str, torch.Tensor]:
        (y_s_hat, y_t_hat), (f_s, f_t) = self.joint_forward(x_s, x_t)
        return self.outputs(
            cls_loss=cross_entropy(y_s_hat, y_s),
            transfer_loss=self.transfer(y_s_hat, f_s, y_t_hat, f_t),
            domain_acc=self.adversarial.domain_discriminator_accuracy,
            logits=(y_s_hat, y_t_hat),
            features=(f_s, f_t),
        )
