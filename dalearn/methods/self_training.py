"""Self-training with confident pseudo-labels on weak/strong views of the target, as FixMatch
(Sohn et al., 2020) and Transfer-Learning-Library's domain adaptation port of it:

    loss = CE(y_s) + trade_off · (1/B) Σ_i 1[max q_i ≥ τ] · CE(y_i^strong, argmax q_i),
    q_i = softmax(y_i^weak) (no gradient)

(:class:`dalearn.losses.ConfidenceBasedSelfTrainingLoss`). The DataModule gives each target
image twice (``target_views = ("strong",)``): the weak view is the training transform, the
strong one the strong augmentation before it. One forward of cat(x_s, x_t^weak, x_t^strong).

The strong augmentation is ``method.strong_augmentation`` by name (``data.strong_augmentation``,
a transform, overrides it): ``randaugment`` (FixMatch's RandAugment, the default),
``autoaugment_svhn`` (AutoAugment's SVHN policy, Cubuk et al., 2019, whose Invert and Solarize
operations also show the model each target image with its polarity reversed — what blending
over bright photos does to a third of Fashion-MNIST-M, see benchmarks/RESULTS.md),
``autoaugment_imagenet`` and ``trivialaugment`` (TrivialAugmentWide, Müller & Hutter, 2021).

Collapse protection (``collapse_protection``, on by default): self-training can lock onto
its own wrong pseudo-labels and pile the target onto a few classes (benchmarks/RESULTS.md, "A
harder shift"). One of:

- ``distribution_alignment`` (the default, measured best with ``class_balance``;
  benchmarks/RESULTS.md) — ReMixMatch (Berthelot et al., 2020): q_i ← normalise(q_i · p̃ / p̄),
  with p̄ the running mean of the target predictions (momentum ``alignment_momentum``, 0.99:
  about the last 100 batches, as ReMixMatch's 128) and p̃ uniform, so that pseudo-labels cannot
  all fall on the classes the model favours;
- ``class_balance``: each pseudo-label weighted by 1 / (C · f_c), f the running share of its
  class among the confident pseudo-labels (:class:`dalearn.losses.ClassBalancedSelfTrainingLoss`);
- ``diversity``: the diversity term of information maximisation (SHOT, Liang et al., 2020),
  loss −= λ · H(p̄_t), p̄_t the batch-mean prediction on the weak target view
  (λ = ``protection_weight``, SHOT's 1.0) — measured harmful on the hard task (it spreads
  wrong predictions evenly instead of correcting them);
- ``none``: FixMatch as published.

On top of a trained run: ``init_ckpt=<run dir or .ckpt>`` starts from that run's classifier
(same backbone and bottleneck: DANN, CDAN, MCC, BNM and Source-Only with bottleneck_dim=256
share this one), read by the trusted reader (:mod:`dalearn.io.trusted`, tensors only).
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.transforms import v2

from dalearn.losses import ClassBalancedSelfTrainingLoss, ConfidenceBasedSelfTrainingLoss, mean_prediction_entropy
from dalearn.methods.base import DomainAdaptationModule, cross_entropy
from dalearn.methods.checkpoint_weights import load_classifier_weights

#: ``method.strong_augmentation`` → a new transform of the strong target view.
STRONG_AUGMENTATIONS = {
    "randaugment": lambda: v2.RandAugment(),
    "autoaugment_svhn": lambda: v2.AutoAugment(v2.AutoAugmentPolicy.SVHN),
    "autoaugment_imagenet": lambda: v2.AutoAugment(v2.AutoAugmentPolicy.IMAGENET),
    "trivialaugment": lambda: v2.TrivialAugmentWide(),
}
#: ``method.collapse_protection`` values (module doc).
COLLAPSE_PROTECTIONS = ("distribution_alignment", "class_balance", "diversity", "none")


def check_strong_augmentation(name: str) -> str:
    """``name`` if it names one of :data:`STRONG_AUGMENTATIONS`; else a clear error."""
    if name not in STRONG_AUGMENTATIONS:
        raise ValueError(
            f"method.strong_augmentation={name!r} is not a strong augmentation; name one of "
            f"{sorted(STRONG_AUGMENTATIONS)}, or give data.strong_augmentation a transform"
        )
    return name


class SelfTraining(DomainAdaptationModule):
    """τ = ``threshold`` (0.9, Transfer-Learning-Library's; FixMatch uses 0.95);
    ``strong_augmentation`` a name of :data:`STRONG_AUGMENTATIONS` (``randaugment``), told to
    the DataModule through :meth:`training_data`. (The recipe's network: bottleneck
    Linear–BN–ReLU of 256.)"""

    target_views = ("strong",)

    def __init__(
        self,
        classifier: nn.Module,
        threshold: float = 0.9,
        collapse_protection: str = "distribution_alignment",
        protection_weight: float = 1.0,
        alignment_momentum: float = 0.99,
        init_ckpt: Optional[str] = None,
        strong_augmentation: str = "randaugment",
        **base: Any,
    ) -> None:
        check_strong_augmentation(strong_augmentation)
        if collapse_protection not in COLLAPSE_PROTECTIONS:
            raise ValueError(
                f"method.collapse_protection={collapse_protection!r} is not a collapse protection; name one of "
                f"{', '.join(COLLAPSE_PROTECTIONS)}"
            )
        super().__init__(classifier, **base)
        if not 0.0 <= alignment_momentum < 1.0:
            raise ValueError(f"alignment_momentum must be in [0, 1), got {alignment_momentum}")
        if not protection_weight >= 0.0:
            raise ValueError(f"protection_weight must be >= 0, got {protection_weight}")
        self.strong_augmentation = strong_augmentation
        self.collapse_protection = collapse_protection
        self.protection_weight = float(protection_weight)
        self.alignment_momentum = float(alignment_momentum)
        if collapse_protection == "class_balance":
            self.self_training = ClassBalancedSelfTrainingLoss(threshold, self.num_classes, self.alignment_momentum)
        else:
            self.self_training = ConfidenceBasedSelfTrainingLoss(threshold)
        self.register_buffer("target_prior", torch.full((self.num_classes,), 1.0 / self.num_classes))
        if init_ckpt:
            load_classifier_weights(self.classifier, init_ckpt, "method.init_ckpt")

    @classmethod
    def training_data(cls, settings: Mapping[str, Any]) -> dict[str, Any]:
        """The strong view, made by ``method.strong_augmentation``."""
        name = settings.get("strong_augmentation", "randaugment")
        make = STRONG_AUGMENTATIONS[check_strong_augmentation(name)]
        return {**super().training_data(settings), "strong_augmentation": make()}

    def align(self, probabilities: torch.Tensor) -> torch.Tensor:
        """Distribution alignment of the weak-view probabilities (no gradient); updates p̄."""
        mean = probabilities.mean(dim=0)
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            torch.distributed.all_reduce(mean)
            mean /= torch.distributed.get_world_size()
        self.target_prior.mul_(self.alignment_momentum).add_((1.0 - self.alignment_momentum) * mean)
        aligned = probabilities / (self.target_prior * self.num_classes)
        return aligned / aligned.sum(dim=1, keepdim=True)

    def compute_losses(
        self, x_s: torch.Tensor, y_s: torch.Tensor, x_t: Mapping[str, torch.Tensor]
    ) -> dict[str, torch.Tensor]:
        (y_s_hat, y_t_hat, y_t_strong), (f_s, f_t, _) = self.joint_forward(x_s, x_t["image"], x_t["strong"])
        cls_loss = cross_entropy(y_s_hat, y_s)
        reference = y_t_hat.detach()
        if self.collapse_protection == "distribution_alignment":
            with torch.no_grad():
                reference = torch.log(self.align(F.softmax(reference, dim=1)).clamp_min(1e-30))
        transfer_loss, mask, _ = self.self_training(y_t_strong, reference)
        protection = {}
        loss = cls_loss + self.trade_off * transfer_loss
        if self.collapse_protection == "diversity":
            protection["diversity"] = mean_prediction_entropy(y_t_hat)
            loss = loss - self.protection_weight * protection["diversity"]
        return self.outputs(
            loss,
            cls_loss=cls_loss,
            transfer_loss=transfer_loss,
            **protection,
            pseudo_label_ratio=mask.mean(),
            logits=(y_s_hat, y_t_hat),
            features=(f_s, f_t),
        )
