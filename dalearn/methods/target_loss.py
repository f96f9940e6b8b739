"""The shared shape of methods that add one loss on the target predictions to the source
cross-entropy, with no other alignment (MCC alone, BNM):
loss = CE(y_s) + trade_off · L(y_t), from one forward of cat(x_s, x_t) through the
classifier. A subclass only builds ``self.target_loss``."""

from __future__ import annotations

import torch
from torch import nn

from dalearn.methods.base import DomainAdaptationModule, cross_entropy


class TargetLossModule(DomainAdaptationModule):
    """Source cross-entropy plus ``trade_off`` × ``self.target_loss(target logits)``."""

    target_loss: nn.Module

    def compute_losses(self, x_s: torch.Tensor, y_s: torch.Tensor, x_t: torch.Tensor) -> dict[str, torch.Tensor]:
        (y_s_hat, y_t_hat), (f_s, f_t) = self.joint_forward(x_s, x_t)
        return self.outputs(
            cls_loss=cross_entropy(y_s_hat, y_s),
            transfer_loss=self.target_loss(y_t_hat),
            logits=(y_s_hat, y_t_hat),
            features=(f_s, f_t),
        )
