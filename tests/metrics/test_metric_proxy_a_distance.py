"""ProxyADistance against scikit-learn's logistic regression on the same split."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression

from dalearn.metrics import ProxyADistance, proxy_a_distance
from dalearn.metrics._hashing import canonical_order, row_hashes


def _data(shift: float, n_s: int = 300, n_t: int = 200, d: int = 10):
    g = torch.Generator().manual_seed(0)
    return (
        torch.randn(n_s, d, generator=g, dtype=torch.float64),
        torch.randn(n_t, d, generator=g, dtype=torch.float64) + shift,
    )


def _sklearn_pad(source, target, test_fraction, C, seed):
    def split(x):
        order = canonical_order(row_hashes([x], seed)).numpy()
        k = int(np.ceil((1 - test_fraction) * len(x)))
        return x.numpy()[order[:k]], x.numpy()[order[k:]]

    (tr_s, te_s), (tr_t, te_t) = split(source), split(target)
    train = np.vstack([tr_s, tr_t])
    mu, sd = train.mean(0), train.std(0)
    y = np.r_[np.ones(len(tr_s)), np.zeros(len(tr_t))]
    clf = LogisticRegression(C=C, class_weight="balanced", tol=1e-12, max_iter=10_000).fit((train - mu) / sd, y)
    err_s = np.mean(clf.predict((te_s - mu) / sd) != 1)
    err_t = np.mean(clf.predict((te_t - mu) / sd) != 0)
    return 2 * (1 - 2 * 0.5 * (err_s + err_t))


@pytest.mark.parametrize("test_fraction,C,seed", [(0.5, 1.0, 0), (0.3, 0.1, 1), (0.6, 10.0, 2)])
def test_matches_sklearn_on_the_same_split(test_fraction, C, seed):
    source, target = _data(0.3)
    metric = ProxyADistance(test_fraction=test_fraction, C=C, seed=seed)
    metric.update(source[:100], target[:50])
    metric.update(source[100:], target[50:])
    assert metric.compute().item() == pytest.approx(_sklearn_pad(source, target, test_fraction, C, seed), abs=1e-12)


def test_range_ends():
    source, target = _data(8.0)
    assert proxy_a_distance(source, target).item() == 2.0
    same_s, same_t = _data(0.0, 1000, 1000, 2)
    assert abs(proxy_a_distance(same_s, same_t).item()) < 0.2


def test_split_does_not_depend_on_row_order():
    source, target = _data(0.3)
    perm = torch.randperm(300)
    assert proxy_a_distance(source[perm], target).item() == proxy_a_distance(source, target).item()


def test_argument_errors():
    with pytest.raises(ValueError, match="test_fraction must be in"):
        ProxyADistance(test_fraction=1.0)
    with pytest.raises(ValueError, match="C and tol must be positive"):
        ProxyADistance(C=0.0)
    with pytest.raises(ValueError, match="source has 1 rows.*both need at least one row"):
        proxy_a_distance(torch.randn(1, 3), torch.randn(10, 3))
