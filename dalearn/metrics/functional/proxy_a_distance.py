r"""Proxy A-distance (Ben-David et al., 2007; Ganin et al., 2016):

    d_A = 2 (1 − 2ε),

where ε is the held-out error of a linear classifier trained to tell source rows from target
rows. Here:

- split: each domain's rows, in the canonical content-hash order of
  :mod:`dalearn.metrics._hashing` (seeded by ``seed``), go to training (the first
  ⌈(1 − test_fraction)·n⌉) or to the held-out set (the rest) — a fixed function of the
  multiset of rows, the same under any update order or process count;
- features are standardised with the training split's mean and population std (a
  constant feature is left unscaled);
- classifier: L2-regularised logistic regression with an unpenalised bias, the objective of
  scikit-learn's ``LogisticRegression(C=C, class_weight="balanced")``,
  Σ_i w_i log(1 + e^{−y_i f(x_i)}) · C + ½‖w‖², w_i = n/(2 n_domain), minimised in float64 by
  L-BFGS (convex, so the minimiser is unique);
- ε is the balanced held-out error, ½(error on held-out source + error on held-out target),
  so a classifier that cannot tell the domains apart gives ε ≈ 0.5 and d_A ≈ 0 whatever the
  domain sizes. d_A ranges over [−2, 2]; negative values mean a held-out error above chance.
"""

from __future__ import annotations

import math

import torch

from dalearn.metrics._hashing import canonical_order, row_hashes


def split_rows(x: torch.Tensor, test_fraction: float, seed: int, name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(train, held-out) rows of one domain, split in canonical hash order."""
    order = canonical_order(row_hashes([x], seed))
    n_train = math.ceil((1.0 - test_fraction) * x.size(0))
    if n_train < 1 or n_train >= x.size(0):
        raise ValueError(
            f"{name} has {x.size(0)} rows: a test_fraction of {test_fraction} leaves {n_train} for training and "
            f"{x.size(0) - n_train} held out; both need at least one row"
        )
    return x[order[:n_train]], x[order[n_train:]]


def fit_logistic_regression(
    x: torch.Tensor, y: torch.Tensor, weight: torch.Tensor, C: float, max_iter: int, tol: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """(coef, bias) minimising C·Σ w_i·softplus(−(2y_i−1)(x_i·coef + bias)) + ½‖coef‖²."""
    coef = torch.zeros(x.size(1), dtype=torch.float64, device=x.device, requires_grad=True)
    bias = torch.zeros((), dtype=torch.float64, device=x.device, requires_grad=True)
    optimizer = torch.optim.LBFGS(
        [coef, bias],
        lr=1.0,
        max_iter=max_iter,
        tolerance_grad=tol,
        tolerance_change=tol * 1e-3,
        history_size=20,
        line_search_fn="strong_wolfe",
    )
    sign = 2.0 * y - 1.0

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        margin = sign * (x @ coef + bias)
        loss = C * (weight * torch.nn.functional.softplus(-margin)).sum() + 0.5 * coef.square().sum()
        loss.backward()
        return loss

    with torch.enable_grad():
        optimizer.step(closure)
    return coef.detach(), bias.detach()


def proxy_a_distance(
    source: torch.Tensor,
    target: torch.Tensor,
    test_fraction: float = 0.5,
    C: float = 1.0,
    max_iter: int = 500,
    tol: float = 1e-9,
    seed: int = 0,
) -> torch.Tensor:
    """2(1 − 2ε) for (N_s, F) source and (N_t, F) target rows (see the module docstring).

    Args:
        test_fraction: share of each domain held out to measure ε (0 < f < 1).
        C: inverse L2 regularisation strength (scikit-learn's ``C``).
        max_iter: L-BFGS iterations.
        tol: gradient tolerance of L-BFGS.
        seed: selects the canonical order, hence the split.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    if not C > 0:
        raise ValueError(f"C must be positive, got {C}")
    train_s, test_s = split_rows(source.to(torch.float64), test_fraction, seed, "source")
    train_t, test_t = split_rows(target.to(torch.float64), test_fraction, seed, "target")
    train = torch.cat([train_s, train_t])
    mean = train.mean(dim=0)
    std = train.std(dim=0, unbiased=False)
    std = torch.where(std > 0, std, torch.ones_like(std))
    labels = torch.cat([torch.ones(train_s.size(0)), torch.zeros(train_t.size(0))]).to(train)
    n = train.size(0)
    weight = torch.cat(
        [
            torch.full((train_s.size(0),), n / (2.0 * train_s.size(0))),
            torch.full((train_t.size(0),), n / (2.0 * train_t.size(0))),
        ]
    ).to(train)
    coef, bias = fit_logistic_regression((train - mean) / std, labels, weight, C, max_iter, tol)
    source_error = (((test_s - mean) / std @ coef + bias) <= 0).to(torch.float64).mean()
    target_error = (((test_t - mean) / std @ coef + bias) > 0).to(torch.float64).mean()
    error = 0.5 * (source_error + target_error)
    return 2.0 * (1.0 - 2.0 * error)
