"""DANN (Ganin et al., 2016): features made domain-indistinguishable by a discriminator
trained through a gradient reversal layer. loss = CE(y_s) + trade_off · L_adv."""

from __future__ import annotations

from typing import Any, Mapping, Optional

import torch
from torch import nn

from dalearn.losses import DomainAdversarialLoss
from dalearn.methods.base import DomainAdaptationModule, cross_entropy, split_batch
from dalearn.nn import DomainDiscriminator, ImageClassifier, bottleneck


class DANN(DomainAdaptationModule):
    """Bottleneck Linear–BN–ReLU (``bottleneck_dim``), discriminator with ``hidden_size`` units,
    warm-start GRL (α, lo, hi, N = ``grl_*``), one forward of cat(x_s, x_t)."""

    name = "dann"
    provides = frozenset({"logits_s", "logits_t", "features_s", "features_t"})

    def __init__(
        self,
        backbone: nn.Module,
        num_classes: int,
        optim: Optional[Mapping[str, Any]] = None,
        trade_off: float = 1.0,
        bottleneck_dim: int = 256,
        hidden_size: int = 1024,
        grl_alpha: float = 1.0,
        grl_lo: float = 0.0,
        grl_hi: float = 1.0,
        grl_max_iters: int = 1000,
        regularizers: Optional[Mapping[str, Any]] = None,
    ) -> None:
        super().__init__(backbone, num_classes, optim, trade_off, regularizers)
        self.classifier = ImageClassifier(
            backbone, num_classes, bottleneck(backbone.out_features, bottleneck_dim), bottleneck_dim
        )
        self.discriminator = DomainDiscriminator(bottleneck_dim, hidden_size)
        self.warm_start_grl(grl_alpha, grl_lo, grl_hi, grl_max_iters, auto_step=True)
        self.adversarial = DomainAdversarialLoss(self.discriminator, grl=self.grl)

    def parameter_groups(self) -> list[dict]:
        return super().parameter_groups() + [{"params": list(self.discriminator.parameters()), "lr_mult": 1.0}]

    def compute_losses(self, x_s: torch.Tensor, y_s: torch.Tensor, x_t: torch.Tensor) -> dict[str, torch.Tensor]:
        logits, features = self.classifier(torch.cat([x_s, x_t]))
        y_s_hat, y_t_hat = split_batch(logits, x_s.size(0))
        f_s, f_t = split_batch(features, x_s.size(0))
        cls_loss = cross_entropy(y_s_hat, y_s)
        transfer_loss = self.adversarial(f_s, f_t)
        return {
            "loss": cls_loss + self.trade_off * transfer_loss,
            "cls_loss": cls_loss,
            "transfer_loss": transfer_loss,
            "domain_acc": self.adversarial.domain_discriminator_accuracy,
            "logits_s": y_s_hat,
            "logits_t": y_t_hat,
            "features_s": f_s,
            "features_t": f_t,
        }
