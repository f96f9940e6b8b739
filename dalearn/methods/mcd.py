"""MCD (Saito et al., 2018): two classifiers F1, F2 on a shared generator G
(:class:`dalearn.nn.MCDClassifier`). Each iteration:

A) minimise CE1 + CE2 + w·(ent1 + ent2) over G, F1, F2;
B) minimise CE1 + CE2 + w·(ent1 + ent2) − λ·d(p1_t, p2_t) over F1, F2 (classifiers disagree
   on the target);
C) ``num_k`` times: minimise λ·d(p1_t, p2_t) over G (features that make them agree);

with d the classifier discrepancy and ent MCD's class-balance term on the target batch
(:mod:`dalearn.losses.mcd`). Uses manual optimisation: 3 + ``num_k`` optimiser steps per
iteration (:meth:`MCD.training_iteration`). Predictions average the two classifiers'
probabilities (the reference reports the better of the two per epoch, which selects on the
target labels).

Regularisers (``method.regularizers``, e.g. MCD+MCC) join step A, the one step that trains G
and both heads on the full objective: ``L_A + Σ λ_r R_r``, reading the log of the two heads'
mean probabilities as the logits and G's features.
"""

from __future__ import annotations

from typing import Any, Optional

import torch
import torch.nn.functional as F

from dalearn.losses import classifier_discrepancy, entropy
from dalearn.methods.base import DomainAdaptationModule, cross_entropy, split_batch
from dalearn.nn import MCDClassifier
from dalearn.nn.heads import mean_probability_log


class MCD(DomainAdaptationModule):
    """``trade_off`` is λ (10 on Office-31, 30 Office-Home, 120 DomainNet); ``entropy_weight``
    w = 0.01; G uses ``generator_momentum`` (0 in the recipe), the heads the configured
    optimiser's momentum. What step A gives the regularisers: the heads' mean
    log-probabilities and G's features."""

    automatic_optimization = False

    def __init__(
        self,
        classifier: MCDClassifier,
        num_k: int = 4,
        entropy_weight: float = 0.01,
        generator_momentum: float = 0.0,
        **base: Any,
    ) -> None:
        super().__init__(classifier, **base)
        if num_k < 1:
            raise ValueError(f"num_k must be at least 1, got {num_k}")
        self.num_k = num_k
        self.entropy_weight = entropy_weight
        self.generator_momentum = generator_momentum

    def configure_optimizers(self) -> tuple[list, list]:
        """Two configured optimisers: G (the backbone, at ``backbone_lr_mult``, with
        ``generator_momentum``) and F1 + F2 (the heads)."""
        generator, heads = self.classifier.get_parameters(1.0, self.optim["backbone_lr_mult"])
        opt_g = self.build_optimizer([generator], momentum=self.generator_momentum)
        opt_f = self.build_optimizer([heads])
        return [opt_g, opt_f], [self.build_scheduler(opt) for opt in (opt_g, opt_f)]

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
            terms["logits"] = split_batch(mean_probability_log(y1, y2), n)
            terms["features"] = split_batch(g, n)
        return terms

    def training_iteration(self, x_s: torch.Tensor, y_s: torch.Tensor, x_t: Optional[Any]) -> dict:
        """Steps A, B and ``num_k`` × C; returns step A's objective, its terms and the last
        step C's discrepancy (``transfer_loss``)."""
        x = torch.cat([x_s, x_t])
        opt_g, opt_f = self.optimizers()
        w, lam = self.entropy_weight, self.trade_off

        terms = self._terms(self.classifier.backbone(x), y_s, outputs=True)
        step_a = self.add_regularizers(
            self.outputs(
                terms["cls_loss"] + w * terms["balance"],
                cls_loss=terms["cls_loss"],
                logits=terms["logits"],
                features=terms["features"],
            )
        )
        logged = {key: value for key, value in step_a.items() if key not in self.provides}
        self.check_finite(logged)
        self.minimise(step_a["loss"], opt_g, opt_f)

        with torch.no_grad():
            features = self.classifier.backbone(x)
        step_b = self._terms(features, y_s)
        loss_b = step_b["cls_loss"] + w * step_b["balance"] - lam * step_b["discrepancy"]
        self.check_finite({"loss": loss_b, "cls_loss": step_b["cls_loss"], "transfer_loss": step_b["discrepancy"]})
        self.minimise(loss_b, opt_f)

        for _ in range(self.num_k):
            discrepancy = self._terms(self.classifier.backbone(x), y_s)["discrepancy"]
            self.check_finite({"loss": lam * discrepancy, "transfer_loss": discrepancy})
            self.minimise(lam * discrepancy, opt_g)
        return {**{key: value.detach() for key, value in logged.items()}, "transfer_loss": discrepancy.detach()}
