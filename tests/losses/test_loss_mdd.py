"""MarginDisparityDiscrepancy against NumPy, with the sign convention of mdd.py: the value
is the discrepancy γ·E_s[log σ(y'_s)_{h_s}] + E_t[log(1 − σ(y'_t)_{h_t})], which the
adversarial head maximises."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from numpy_reference import log_softmax, softmax

from dalearn.losses import MarginDisparityDiscrepancy, shift_log


def logits(n: int, seed: int, k: int = 5) -> torch.Tensor:
    return torch.randn(n, k, dtype=torch.float64, generator=torch.Generator().manual_seed(seed)) * 2.0


def numpy_terms(y_s, y_s_adv, y_t, y_t_adv, margin: float):
    h_s, h_t = y_s.numpy().argmax(axis=1), y_t.numpy().argmax(axis=1)
    source = margin * log_softmax(y_s_adv.detach().numpy())[np.arange(len(h_s)), h_s]
    p_t = softmax(y_t_adv.detach().numpy())[np.arange(len(h_t)), h_t]
    target = np.log(np.minimum(1.0, 1.0 - p_t + 1e-6))
    return source, target


def test_value_and_reductions_against_numpy():
    y_s, y_s_adv, y_t, y_t_adv = logits(6, 1), logits(6, 2), logits(9, 3), logits(9, 4)
    source, target = numpy_terms(y_s, y_s_adv, y_t, y_t_adv, margin=4.0)
    mean = MarginDisparityDiscrepancy(margin=4.0)(y_s, y_s_adv, y_t, y_t_adv)
    assert mean.item() == pytest.approx(source.mean() + target.mean(), rel=1e-10)
    total = MarginDisparityDiscrepancy(margin=4.0, reduction="sum")(y_s, y_s_adv, y_t, y_t_adv)
    assert total.item() == pytest.approx(source.sum() + target.sum(), rel=1e-10)
    none = MarginDisparityDiscrepancy(margin=4.0, reduction="none")(y_s, y_s_adv, y_t, y_t_adv)
    np.testing.assert_allclose(none.numpy(), np.concatenate([source, target]), rtol=1e-10)


def test_sample_weights_scale_each_term():
    y_s, y_s_adv, y_t, y_t_adv = logits(4, 5), logits(4, 6), logits(4, 7), logits(4, 8)
    w_s, w_t = torch.tensor([0.5, 1.0, 1.5, 2.0]), torch.tensor([2.0, 0.0, 1.0, 0.25])
    source, target = numpy_terms(y_s, y_s_adv, y_t, y_t_adv, margin=2.0)
    value = MarginDisparityDiscrepancy(margin=2.0)(y_s, y_s_adv, y_t, y_t_adv, w_s, w_t)
    expected = np.mean(source * w_s.numpy()) + np.mean(target * w_t.numpy())
    assert value.item() == pytest.approx(expected, rel=1e-10)


def test_sign_convention_the_adversary_maximises_towards_zero():
    """All terms are logs of probabilities, so mdd ≤ 0; an adversarial head that agrees with
    the main head on source and disagrees on target reaches the maximum 0."""
    y = logits(8, 9)
    h = y.argmax(dim=1)
    agree = 30.0 * torch.nn.functional.one_hot(h, 5).double()
    disagree = 30.0 * torch.nn.functional.one_hot((h + 1) % 5, 5).double()
    mdd = MarginDisparityDiscrepancy()
    assert mdd(y, agree, y, disagree).item() == pytest.approx(0.0, abs=1e-9)
    assert mdd(y, agree, y, agree).item() < np.log(2e-6) + 1e-3
    assert mdd(y, disagree, y, disagree).item() < -4.0 * 29.0


def test_main_head_gets_no_gradient():
    y_s, y_t = logits(4, 10).requires_grad_(True), logits(4, 11).requires_grad_(True)
    y_s_adv = logits(4, 12).requires_grad_(True)
    MarginDisparityDiscrepancy()(y_s, y_s_adv, y_t, logits(4, 13)).backward()
    assert y_s.grad is None and y_t.grad is None
    p = softmax(y_s_adv.detach().numpy())
    onehot = np.eye(5)[y_s.detach().numpy().argmax(axis=1)]
    np.testing.assert_allclose(y_s_adv.grad.numpy(), 4.0 * (onehot - p) / 4, rtol=1e-10)


def test_shift_log_never_exceeds_zero_and_stays_finite_at_zero():
    x = torch.tensor([0.0, 0.5, 1.0, 1.5], dtype=torch.float64)
    np.testing.assert_allclose(shift_log(x).numpy(), np.log(np.minimum(1.0, x.numpy() + 1e-6)), rtol=1e-12)
