"""MCD (Saito et al., 2018): two classifiers F1, F2 on a shared generator G. Each iteration:

A) minimise CE1 + CE2 + w·(ent1 + ent2) over G, F1, F2;
B) minimise CE1 + CE2 + w·(ent1 + ent2) − λ·d(p1_t, p2_t) over F1, F2 (classifiers disagree
   on the target);
C) ``num_k`` times: minimise λ·d(p1_t, p2_t) over G (features that make them agree);

with d the classifier discrepancy and ent MCD's class-balance term on the target batch
(:mod:`dalearn.losses.mcd`). Uses manual optimisation: 3 + ``num_k`` optimiser steps per
iteration. Predictions average the two classifiers' probabilities (the reference reports
the better of the two per epoch, which selects on the target labels).
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

import torch
import torch.nn.functional as F
from torch import nn

from dalearn.losses import classifier_discrepancy, entropy
from dalearn.methods.base import DomainAdaptationModule, cross_entropy, lr_schedule, split_batch
from dalearn.nn import MCDClassifierHead


class MCDClassifier(nn.Module):
    """Generator G (the backbone) with two heads; ``predict`` gives log of the mean probabilities."""

    def __init__(self, backbone: nn.Module, num_classes: int, bottleneck_dim: int) -> None:
        super().__init__()
        self.backbone = backbone
        self.head1 = MCDClassifierHead(backbone.out_features, num_classes, bottleneck_dim)
        self.head2 = MCDClassifierHead(backbone.out_features, num_classes, bottleneck_dim)

    def heads(self, g: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.head1(g), self.head2(g)

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        y1, y2 = self.heads(self.backbone(x))
        return torch.log(0.5 * (F.softmax(y1, dim=1) + F.softmax(y2, dim=1)))


class MCD(DomainAdaptationModule):
    """``trade_off`` is λ (10 on Office-31, 30 Office-Home, 120 DomainNet); ``entropy_weight``
    w = 0.01; G uses ``generator_momentum`` (0 in the recipe), the heads ``optim.momentum``."""

    name = "mcd"

    def __init__(
        self, backbone: nn.Module, num_classes: int, optim: Optional[Mapping[str, Any]] = None,
        trade_off: float = 10.0, num_k: int = 4, bottleneck_dim: int = 1024, entropy_weight: float = 0.01,
        generator_momentum: float = 0.0,
    ) -> None:
        super().__init__(backbone, num_classes, optim, trade_off)
        if num_k < 1:
            raise ValueError(f"num_k must be at least 1, got {num_k}")
        self.automatic_optimization = False
        self.classifier = MCDClassifier(backbone, num_classes, bottleneck_dim)
        self.num_k = num_k
        self.entropy_weight = entropy_weight
        self.generator_momentum = generator_momentum

    def configure_optimizers(self) -> tuple[list, list]:
        o = self.optim
        heads = [*self.classifier.head1.parameters(), *self.classifier.head2.parameters()]
        opt_g = torch.optim.SGD(
            self.classifier.backbone.parameters(), lr=o["lr"] * o["backbone_lr_mult"], momentum=self.generator_momentum,
            weight_decay=o["weight_decay"], nesterov=o["nesterov"] and self.generator_momentum > 0,
        )
        opt_f = torch.optim.SGD(
            heads, lr=o["lr"], momentum=o["momentum"], weight_decay=o["weight_decay"],
            nesterov=o["nesterov"] and o["momentum"] > 0,
        )
        schedulers = [torch.optim.lr_scheduler.LambdaLR(opt, lr_schedule(o)) for opt in (opt_g, opt_f)]
        return [opt_g, opt_f], schedulers

    def _terms(self, g: torch.Tensor, y_s: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(CE1 + CE2, ent1 + ent2, discrepancy) for generator features g of cat(x_s, x_t)."""
        y1, y2 = self.classifier.heads(g)
        y1_s, y1_t = split_batch(y1, y_s.size(0))
        y2_s, y2_t = split_batch(y2, y_s.size(0))
        p1_t, p2_t = F.softmax(y1_t, dim=1), F.softmax(y2_t, dim=1)
        return (
            cross_entropy(y1_s, y_s) + cross_entropy(y2_s, y_s),
            entropy(p1_t) + entropy(p2_t),
            classifier_discrepancy(p1_t, p2_t),
        )

    def _minimise(self, loss: torch.Tensor, *optimizers: Any) -> None:
        for opt in self.optimizers():
            opt.zero_grad()
        self.manual_backward(loss)
        for opt in optimizers:
            opt.step()

    def training_step(self, batch: Mapping[str, Any], batch_idx: int) -> torch.Tensor:
        x_s, y_s = batch["source"]
        x = torch.cat([x_s, batch["target"]])
        opt_g, opt_f = self.optimizers()
        w, lam = self.entropy_weight, self.trade_off

        cls_loss, balance, _ = self._terms(self.classifier.backbone(x), y_s)
        loss_a = cls_loss + w * balance
        self.check_finite({"loss": loss_a, "cls_loss": cls_loss})
        self._minimise(loss_a, opt_g, opt_f)

        with torch.no_grad():
            features = self.classifier.backbone(x)
        cls_b, balance_b, disc_b = self._terms(features, y_s)
        loss_b = cls_b + w * balance_b - lam * disc_b
        self.check_finite({"loss": loss_b, "cls_loss": cls_b, "transfer_loss": disc_b})
        self._minimise(loss_b, opt_f)

        for _ in range(self.num_k):
            _, _, discrepancy = self._terms(self.classifier.backbone(x), y_s)
            self.check_finite({"loss": lam * discrepancy, "transfer_loss": discrepancy})
            self._minimise(lam * discrepancy, opt_g)

        for scheduler in self.lr_schedulers():
            scheduler.step()
        self.log_train(
            {"loss": loss_a.detach(), "cls_loss": cls_loss.detach(), "transfer_loss": discrepancy.detach()}, x_s.size(0)
        )
        return loss_a.detach()
