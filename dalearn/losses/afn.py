"""AFN's stepwise adaptive feature norm (Xu et al., 2019)."""

from __future__ import annotations

import torch
from torch import nn

from dalearn.losses._checks import check_features, check_finite_values, check_positive


class AdaptiveFeatureNorm(nn.Module):
    r"""Stepwise Adaptive Feature Norm (Xu et al., "Larger Norm More Transferable: An
    Adaptive Feature Norm Approach for Unsupervised Domain Adaptation", ICCV 2019). Target
    features with small norms carry little information for the classifier; SAFN pulls every
    feature's L2 norm towards its own current norm plus a residual Δr, so the norms grow a
    little at every step:

    .. math::
        L_{\mathrm{afn}}(f) = \frac{1}{N}\sum_{i=1}^{N}
            \big(\lVert f_i \rVert_2^{\text{(no grad)}} + \Delta r - \lVert f_i \rVert_2\big)^2 .

    The value is always Δr²; what matters is the gradient, −(2Δr/N)·f_i/‖f_i‖₂ per row,
    which enlarges each norm by a step proportional to Δr. Apply it to source and target
    features separately (``afn(f_s) + afn(f_t)``), as in the paper and in
    Transfer-Learning-Library's ``AdaptiveFeatureNorm(delta)``, which this matches.

    Args:
        delta: the residual Δr > 0 (1.0 in the published recipes).

    Shape: f (N, F) → scalar.

    Example:
        >>> afn = AdaptiveFeatureNorm(delta=1.0)
        >>> f = torch.tensor([[3.0, 4.0]], requires_grad=True)
        >>> afn(f)
        tensor(1., grad_fn=<MeanBackward0>)
        >>> afn(f).backward(); f.grad
        tensor([[-1.2000, -1.6000]])
    """

    def __init__(self, delta: float) -> None:
        super().__init__()
        self.delta = check_positive("delta", delta)

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        check_features("f", f)
        check_finite_values("f", f)
        norm = f.norm(p=2, dim=1)
        radius = norm.detach() + self.delta
        return ((norm - radius) ** 2).mean()
