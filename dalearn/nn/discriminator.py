"""Domain discriminator: an MLP that tells source features from target features."""

from __future__ import annotations

from torch import nn


class DomainDiscriminator(nn.Sequential):
    """Binary domain classifier returning one **logit** per sample (source = 1 by convention
    of the losses that use it).

    With ``batch_norm=True`` (the DANN/CDAN recipe):
    Linear(F, H) → BN → ReLU → Linear(H, H) → BN → ReLU → Linear(H, 1);
    otherwise each BN is replaced by a Dropout(0.5) after the ReLU.

    The reference ends with a Sigmoid and trains with BCE on probabilities, which CUDA autocast
    refuses; returning logits and using BCE-with-logits gives the same value, stably.

    Shape: (N, F) → (N, 1).
    """

    def __init__(self, in_feature: int, hidden_size: int, batch_norm: bool = True) -> None:
        if in_feature <= 0 or hidden_size <= 0:
            raise ValueError(f"in_feature and hidden_size must be positive, got {in_feature}, {hidden_size}")
        if batch_norm:
            layers = [
                nn.Linear(in_feature, hidden_size),
                nn.BatchNorm1d(hidden_size),
                nn.ReLU(),
                nn.Linear(hidden_size, hidden_size),
                nn.BatchNorm1d(hidden_size),
                nn.ReLU(),
            ]
        else:
            layers = [
                nn.Linear(in_feature, hidden_size),
                nn.ReLU(),
                nn.Dropout(0.5),
                nn.Linear(hidden_size, hidden_size),
                nn.ReLU(),
                nn.Dropout(0.5),
            ]
        super().__init__(*layers, nn.Linear(hidden_size, 1))
        self.in_feature = in_feature

    def get_parameters(self, base_lr: float = 1.0) -> list[dict]:
        """Parameter group with the full learning rate (DALIB-compatible helper)."""
        return [{"params": self.parameters(), "lr": base_lr}]
