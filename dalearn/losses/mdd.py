"""MDD's margin disparity discrepancy (Zhang et al., 2019)."""

from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from dalearn.losses._checks import check_pair, check_reduction, check_weights, reduce


def shift_log(x: torch.Tensor, offset: float = 1e-6) -> torch.Tensor:
    """log(min(1, x + offset)): a log that stays finite at x = 0 and never exceeds 0."""
    return torch.log(torch.clamp(x + offset, max=1.0))


class MarginDisparityDiscrepancy(nn.Module):
    r"""Margin disparity discrepancy between the main head y and the adversarial head y':

    .. math::
        \mathrm{mdd} = \gamma\,\mathbb{E}_s\big[\log \sigma(y'_s)_{h_s}\big]
                     + \mathbb{E}_t\big[\log\big(1 - \sigma(y'_t)_{h_t}\big)\big],
        \qquad h = \arg\max y \ \text{(no gradient)}

    where σ is the softmax and the target log is :func:`shift_log`. **Sign convention**:
    this returns the discrepancy itself (as DALIB ≥ 0.4), which the adversarial head
    *maximises*. Train with ``loss = CE − trade_off · mdd`` and a gradient reversal in front
    of the adversarial head, so that the features minimise it. (DALIB 0.2 returned −mdd.)

    Args:
        margin: γ (4 in the published recipes).
        reduction: ``'mean'`` | ``'sum'`` | ``'none'`` (per sample: source terms then target
            terms, shape (N_s + N_t,)). For ``'mean'`` each domain is averaged separately.

    Shape: y_s, y_s_adv (N_s, C); y_t, y_t_adv (N_t, C) logits → scalar.

    Example:
        >>> mdd = MarginDisparityDiscrepancy(margin=4.0)
        >>> y = torch.randn(8, 5)
        >>> mdd(y, torch.randn(8, 5), y, torch.randn(8, 5)).shape
        torch.Size([])
    """

    def __init__(self, margin: float = 4.0, reduction: str = "mean") -> None:
        super().__init__()
        self.margin = float(margin)
        self.reduction = check_reduction(reduction)

    def forward(
        self,
        y_s: torch.Tensor,
        y_s_adv: torch.Tensor,
        y_t: torch.Tensor,
        y_t_adv: torch.Tensor,
        w_s: Optional[torch.Tensor] = None,
        w_t: Optional[torch.Tensor] = None,
    ) -> torch.Tensor:
        check_pair("y_s", y_s, "y_s_adv", y_s_adv, same_batch=True)
        check_pair("y_t", y_t, "y_t_adv", y_t_adv, same_batch=True)
        check_pair("y_s", y_s, "y_t", y_t)
        w_s = check_weights("w_s", w_s, y_s.size(0))
        w_t = check_weights("w_t", w_t, y_t.size(0))
        h_s = y_s.detach().argmax(dim=1)
        h_t = y_t.detach().argmax(dim=1)
        source = self.margin * -F.cross_entropy(y_s_adv, h_s, reduction="none")
        p_t = F.softmax(y_t_adv, dim=1).gather(1, h_t.unsqueeze(1)).squeeze(1)
        target = shift_log(1.0 - p_t)
        # y_s and y_t enter only through argmax, which turns NaN into an index: carry their
        # non-finite rows into the loss, so that NaN logits give a NaN loss, not a finite one.
        source = source.masked_fill(~torch.isfinite(y_s.detach()).all(dim=1), float("nan"))
        target = target.masked_fill(~torch.isfinite(y_t.detach()).all(dim=1), float("nan"))
        if w_s is not None:
            source = source * w_s.to(source.dtype)
        if w_t is not None:
            target = target * w_t.to(target.dtype)
        if self.reduction == "mean":
            return source.mean() + target.mean()
        return reduce(torch.cat([source, target]), self.reduction)
