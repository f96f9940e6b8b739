"""MCD (Saito et al., 2018): two classifiers F1, F2 on a shared generator G. Each iteration:

A) minimise CE1 + CE2 + w·(ent1 + ent2) over G, F1, F2;
B) minimise CE1 + CE2 + w·(ent1 + ent2) − λ·d(p1_t, p2_t) over F1, F2 (classifiers disagree
   on the target);
C) ``num_k`` times: minimise λ·d(p1_t, p2_t) over G (features that make them agree);

with d the classifier discrepancy and ent MCD's class-balance term on the target batch
(:mod:`dalearn.losses.mcd`). Uses manual optimisation: 3 + ``num_k`` optimiser steps per
iteration. Predictions average the two classifiers' probabilities (the reference reports
the better of the two per epoch, which selects on the target labels).

Regularisers (``method.regularizers``, e.g. MCD+MCC) join step A, the one step that trains G
and both heads on the full objective: ``L_A + Σ λ_r R_r``, reading the log of the two heads'
mean probabilities as the logits and G's features.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

import torch
import torch.nn.functional as F
from torch import nn

from dalearn.losses import classifier_discrepancy, entropy
from dalearn.methods.base import DomainAdaptationModule, cross_entropy, split_batch
from dalearn.nn import MCDClassifierHead


class MCDClassifier(nn.Module):
    """Generator G (the backbone) with two heads; ``predict`` gives log of the mean probabilities,
    ``forward`` those and G's features."""

    def __init__(self, backbone: nn.Module, num_classes: int, bottleneck_dim: int) -> None:
        super().__init__()
        self.backbone = backbone
        self.head1 = MCDClassifierHead(backbone.out_features, num_classes, bottleneck_dim)
        self.head2 = MCDClassifierHead(backbone.out_features, num_classes, bottleneck_dim)

    def heads(self, g: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.head1(g), self.head2(g)

    def get_parameters(self, lr_mult: float = 1.0, backbone_lr_mult: float = 0.1) -> list[dict]:
        """Parameter groups: G at ``backbone_lr_mult``, both heads at ``lr_mult``."""
        heads = [*self.head1.parameters(), *self.head2.parameters()]
        return [
            {"params": list(self.backbone.parameters()), "lr_mult": backbone_lr_mult},
            {"params": heads, "lr_mult": lr_mult},
        ]

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(log of the mean of the two heads' probabilities, G's features)``: the features
        are what both heads read (the validators' ``*_features``)."""
        g = self.backbone(x)
        y1, y2 = self.heads(g)
        return torch.log(0.5 * (F.softmax(y1, dim=1) + F.softmax(y2, dim=1))), g

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward(x)[0]


class MCD(DomainAdaptationModule):
    """``trade_off`` is λ (10 on Office-31, 30 Office-Home, 120 DomainNet); ``entropy_weight``
    w = 0.01; G uses ``generator_momentum`` (0 in the recipe), the heads ``optim.momentum``."""

    name = "mcd"
    #: What step A gives the regularisers: the heads' mean log-probabilities and G's features.
    provides = frozenset({"logits_s", "logits_t", "features_s", "features_t"})

    def __init__(
        self,
        backbone: nn.Module,
        num_classes: int,
        optim: Optional[Mapping[str, Any]] = None,
        trade_off: float = 10.0,
        num_k: int = 4,
        bottleneck_dim: int = 1024,
        entropy_weight: float = 0.01,
        generator_momentum: float = 0.0,
        regularizers: Optional[Mapping[str, Any]] = None,
    ) -> None:
        super().__init__(backbone, num_classes, optim, trade_off, regularizers)
        if num_k < 1:
            raise ValueError(f"num_k must be at least 1, got {num_k}")
        self.automatic_optimization = False
        self.classifier = MCDClassifier(backbone, num_classes, bottleneck_dim)
        self.num_k = num_k
        self.entropy_weight = entropy_weight
        self.generator_momentum = generator_momentum

    def configure_optimizers(self) -> tuple[list, list]:
        """Two configured optimisers: G (the backbone, at ``backbone_lr_mult``, with
        ``generator_momentum``) and F1 + F2 (the heads)."""
        generator, heads = self.classifier.get_parameters(1.0, self.optim["backbone_lr_mult"])
        nesterov = bool(self.optim["nesterov"]) and self.generator_momentum > 0
        opt_g = self.build_optimizer([generator], momentum=self.generator_momentum, nesterov=nesterov)
        opt_f = self.build_optimizer([heads])
        return [opt_g, opt_f], [self.build_scheduler(opt) for opt in (opt_g, opt_f)]

    def compute_losses(self, x_s: torch.Tensor, y_s: torch.Tensor, x_t: torch.Tensor) -> dict[str, torch.Tensor]:
        """Step A's objective (CE1 + CE2 + w·(ent1 + ent2)), the target discrepancy and the
        tensors the regularisers read, without optimising: MCD's three steps live in
        :meth:`training_step`."""
        terms = self._terms(self.classifier.backbone(torch.cat([x_s, x_t])), y_s, outputs=True)
        return {
            "loss": terms["cls_loss"] + self.entropy_weight * terms["balance"],
            "cls_loss": terms["cls_loss"],
            "transfer_loss": terms["discrepancy"],
            **{key: terms[key] for key in self.provides},
        }

    def _terms(self, g: torch.Tensor, y_s: torch.Tensor, outputs: bool = False) -> dict[str, torch.Tensor]:
        """CE1 + CE2 (``cls_loss``), ent1 + ent2 (``balance``) and the target ``discrepancy``
        for generator features g of cat(x_s, x_t); with ``outputs``, also the regularisers'
        tensors (step A only: steps B and C never read them)."""
        y1, y2 = self.classifier.heads(g)
        n = y_s.size(0)
        y1_s, y1_t = split_batch(y1, n)
        y2_s, y2_t = split_batch(y2, n)
        p1_t, p2_t = F.softmax(y1_t, dim=1), F.softmax(y2_t, dim=1)
        terms = {
            "cls_loss": cross_entropy(y1_s, y_s) + cross_entropy(y2_s, y_s),
            "balance": entropy(p1_t) + entropy(p2_t),
            "discrepancy": classifier_discrepancy(p1_t, p2_t),
        }
        if outputs:
            log_mean = torch.log(0.5 * (F.softmax(y1, dim=1) + F.softmax(y2, dim=1)))
            terms["logits_s"], terms["logits_t"] = split_batch(log_mean, n)
            terms["features_s"], terms["features_t"] = split_batch(g, n)
        return terms

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

        terms = self._terms(self.classifier.backbone(x), y_s, outputs=True)
        step_a = self.add_regularizers(
            {
                "loss": terms["cls_loss"] + w * terms["balance"],
                "cls_loss": terms["cls_loss"],
                **{key: terms[key] for key in self.provides},
            }
        )
        logged = {key: value for key, value in step_a.items() if key not in self.provides}
        self.check_finite(logged)
        self._minimise(step_a["loss"], opt_g, opt_f)

        with torch.no_grad():
            features = self.classifier.backbone(x)
        step_b = self._terms(features, y_s)
        loss_b = step_b["cls_loss"] + w * step_b["balance"] - lam * step_b["discrepancy"]
        self.check_finite({"loss": loss_b, "cls_loss": step_b["cls_loss"], "transfer_loss": step_b["discrepancy"]})
        self._minimise(loss_b, opt_f)

        for _ in range(self.num_k):
            discrepancy = self._terms(self.classifier.backbone(x), y_s)["discrepancy"]
            self.check_finite({"loss": lam * discrepancy, "transfer_loss": discrepancy})
            self._minimise(lam * discrepancy, opt_g)

        for scheduler in self.lr_schedulers():
            scheduler.step()
        logged = {key: value.detach() for key, value in logged.items()}
        self.log_train({**logged, "transfer_loss": discrepancy.detach()}, x_s.size(0))
        return logged["loss"]
