"""SHOT (Liang et al., 2020, "Do We Really Need to Access the Source Data? Source Hypothesis
Transfer for Unsupervised Domain Adaptation"): source-free adaptation in two runs.

Stage 1, ``stage=source`` (``method=shot_source``): train the source model with
label-smoothed cross-entropy (ε = 0.1) — the target batch is not used.

Stage 2, ``stage=target`` (``method=shot``): start from stage 1's checkpoint
(``source_ckpt``: a run directory, a ``.ckpt`` file, or a glob matching exactly one; read by the trusted
reader, tensors only), freeze the classifier head (the "source hypothesis") and
train the backbone and bottleneck on the target alone:

    loss = im_weight · L_im(y_t) + pseudo_label_weight · CE(y_t, ŷ_t)

with L_im the information maximisation loss (mean entropy − entropy of the mean prediction,
:class:`dalearn.losses.InformationMaximizationLoss`) and ŷ_t SHOT's clustering pseudo-labels
(:func:`dalearn.methods.clustering.cluster_pseudo_labels`), recomputed over the whole target
training set (evaluation transform, evaluation mode) at the start of every epoch. Stage 2
declares ``uses_source = False``: the DataModule then builds no source stream and no source
evaluation, so no source image is loaded.

Network (SHOT's, ``method.classifier``): backbone → bottleneck Linear(d, 256) → BN (no ReLU)
→ weight-normalised Linear(256, C) (:func:`dalearn.nn.weight_normalized_linear`).
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

import torch
import torch.nn.functional as F
from torch import nn

from dalearn.losses import InformationMaximizationLoss
from dalearn.methods.base import DomainAdaptationModule
from dalearn.methods.checkpoint_weights import load_classifier_weights
from dalearn.methods.clustering import cluster_pseudo_labels
from dalearn.methods.regularizers import CONFIDENCE_AND_DIVERSITY_SCORES

STAGES = ("source", "target")


class SHOT(DomainAdaptationModule):
    """``stage``: ``source`` or ``target`` (see the module docstring); ``label_smoothing`` ε of
    stage 1 (0.1); stage 2 weights ``im_weight`` (1.0) and ``pseudo_label_weight`` (0.3), and
    ``cluster_rounds`` hard refinements of the clustering (1)."""

    def __init__(
        self,
        classifier: nn.Module,
        stage: str = "target",
        source_ckpt: Optional[str] = None,
        label_smoothing: float = 0.1,
        im_weight: float = 1.0,
        pseudo_label_weight: float = 0.3,
        cluster_rounds: int = 1,
        **base: Any,
    ) -> None:
        self.stage = check_stage(stage)
        self.provides = frozenset({"logits_s", "features_s"} if stage == "source" else {"logits_t", "features_t"})
        # stage 2's information maximisation maximises these scores by construction (stage 1 is plain CE)
        self.trains_on = CONFIDENCE_AND_DIVERSITY_SCORES if stage == "target" else frozenset()
        super().__init__(classifier, **base)
        self.label_smoothing = float(label_smoothing)
        self.im_weight = float(im_weight)
        self.pseudo_label_weight = float(pseudo_label_weight)
        self.cluster_rounds = int(cluster_rounds)
        self.information_maximization = InformationMaximizationLoss()
        self.pseudo_labels: Optional[torch.Tensor] = None
        if stage == "target":
            if not source_ckpt:
                raise ValueError(
                    "SHOT's target stage needs method.source_ckpt: the checkpoint of a stage-1 run "
                    "(dalearn-train method=shot_source …, same data, backbone and seed)"
                )
            self.source_checkpoint = load_classifier_weights(self.classifier, source_ckpt, "method.source_ckpt")
            self.classifier.head.requires_grad_(False)

    @classmethod
    def training_data(cls, settings: Mapping[str, Any]) -> dict[str, Any]:
        """Stage 1 reads the source alone (as every method); stage 2 the target alone, with
        each image's index in the target set (its clustering pseudo-label)."""
        source = check_stage(settings.get("stage", "target")) == "source"
        return {**super().training_data(settings), "uses_source": source, "target_views": () if source else ("index",)}

    def parameter_groups(self) -> list[dict]:
        """Stage 2 leaves the head out: the source hypothesis stays fixed."""
        groups = super().parameter_groups()
        if self.stage == "source":
            return groups
        head = {id(p) for p in self.classifier.head.parameters()}
        return [{**g, "params": [p for p in g["params"] if id(p) not in head]} for g in groups]

    # ------------------------------------------------------------------ stage 2 pseudo-labels
    @torch.no_grad()
    def compute_pseudo_labels(self) -> torch.Tensor:
        """SHOT's clustering over the whole target training set, in evaluation mode."""
        was_training = self.training
        self.eval()
        features, probabilities = [], []
        for x in self.trainer.datamodule.target_inference_loader():
            logits, f = self.classifier(x.to(self.device))
            features.append(f.float().cpu())
            probabilities.append(F.softmax(logits.float(), dim=1).cpu())
        self.train(was_training)
        labels = cluster_pseudo_labels(torch.cat(features), torch.cat(probabilities), rounds=self.cluster_rounds)
        return labels.to(self.device)

    def on_train_epoch_start(self) -> None:
        if self.stage == "target":
            self.pseudo_labels = self.compute_pseudo_labels()

    # ------------------------------------------------------------------ objective
    def compute_losses(
        self, x_s: Optional[torch.Tensor], y_s: Optional[torch.Tensor], x_t: Any
    ) -> dict[str, torch.Tensor]:
        if self.stage == "source":
            logits, features = self.classifier(x_s)
            cls_loss = F.cross_entropy(logits, y_s, label_smoothing=self.label_smoothing)
            return self.outputs(cls_loss, cls_loss=cls_loss, logits=(logits, None), features=(features, None))
        if self.pseudo_labels is None:
            self.pseudo_labels = self.compute_pseudo_labels()
        logits, features = self.classifier(x_t["image"])
        im_loss = self.information_maximization(logits)
        pseudo_label_loss = F.cross_entropy(logits, self.pseudo_labels[x_t["index"].to(self.pseudo_labels.device)])
        return self.outputs(
            self.im_weight * im_loss + self.pseudo_label_weight * pseudo_label_loss,
            im_loss=im_loss,
            pseudo_label_loss=pseudo_label_loss,
            logits=(None, logits),
            features=(None, features),
        )


def check_stage(stage: str) -> str:
    """``stage`` if it is one of :data:`STAGES`; else a clear error."""
    if stage not in STAGES:
        raise ValueError(f"method.stage must be one of {STAGES}, got {stage!r}")
    return stage
