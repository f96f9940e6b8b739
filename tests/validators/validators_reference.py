"""Independent NumPy / SciPy / scikit-learn derivations of the validator scores, written from
the papers' formulas (not from dalearn's code), and synthetic inputs shared by the tests."""

from __future__ import annotations

import numpy as np
import torch
from scipy.special import logsumexp, softmax
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import adjusted_mutual_info_score
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler


def plogp_entropy(p: np.ndarray) -> np.ndarray:
    """Row entropies −Σ p log p with 0 log 0 = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    return -terms.sum(axis=-1)


def entropy(p: np.ndarray) -> float:
    return float(-plogp_entropy(p).mean())


def information_maximization(p: np.ndarray) -> float:
    return float(plogp_entropy(p.mean(axis=0)) - plogp_entropy(p).mean())


def batch_nuclear_norm(p: np.ndarray) -> float:
    return float(np.linalg.norm(p, ord="nuc") / p.shape[0])


def source_accuracy(logits: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(np.argmax(logits, axis=1) == labels))


def soft_neighborhood_density(x: np.ndarray, temperature: float = 0.05) -> float:
    z = x / np.linalg.norm(x, axis=1, keepdims=True)
    n = len(z)
    entropies = []
    for i in range(n):
        others = np.delete(np.arange(n), i)
        p = softmax(z[others] @ z[i] / temperature)
        entropies.append(plogp_entropy(p))
    return float(np.mean(entropies))


def dev_weights(source: np.ndarray, target: np.ndarray, folds: int = 5, C: float = 1.0, seed: int = 0) -> np.ndarray:
    """Cross-fitted density ratio p_t/p_s on the source rows: predict_proba of a logistic
    regression (standardised features) trained on the other folds, times n_s'/n_t'."""
    x = np.concatenate([source, target])
    y = np.r_[np.zeros(len(source), dtype=int), np.ones(len(target), dtype=int)]
    weights = np.full(len(source), np.nan)
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y):
        scaler = StandardScaler().fit(x[train])
        classifier = LogisticRegression(C=C, max_iter=1000).fit(scaler.transform(x[train]), y[train])
        rows = test[test < len(source)]
        d = classifier.predict_proba(scaler.transform(x[rows]))[:, 1]
        weights[rows] = (np.sum(y[train] == 0) / np.sum(y[train] == 1)) * d / (1.0 - d)
    assert not np.isnan(weights).any()
    return weights


def dev_risk(weights: np.ndarray, losses: np.ndarray) -> float:
    """You et al. (2019), as in their reference code: η = −Cov(wℓ, w)/Var(w)."""
    weighted = weights * losses
    cov = np.cov(np.stack([weighted, weights]))[0, 1]
    eta = -cov / np.var(weights, ddof=1)
    return float(np.mean(weighted) + eta * np.mean(weights) - eta)


def deep_embedded_validation(source, logits, labels, target, normalized: bool = False) -> float:
    losses = logsumexp(logits, axis=1) - logits[np.arange(len(labels)), labels]
    weights = dev_weights(source, target)
    if normalized:
        weights = weights / weights.max()
        weights = weights + (1.0 - weights.mean())
    return -dev_risk(weights, losses)


def class_ami(features: np.ndarray, probs: np.ndarray, n_init: int = 10, seed: int = 0) -> float:
    clusters = KMeans(n_clusters=probs.shape[1], n_init=n_init, random_state=seed).fit(features).labels_
    return float(adjusted_mutual_info_score(np.argmax(probs, axis=1), clusters))


def problem(seed: int = 0, n_source: int = 48, n_target: int = 70, num_classes: int = 4, dim: int = 5) -> dict:
    """A small synthetic evaluation: float64 source hold-out features/logits/labels and
    target features/probs, with class structure and a domain shift."""
    g = torch.Generator().manual_seed(seed)
    centers = 3.0 * torch.randn(num_classes, dim, generator=g, dtype=torch.float64)
    source_labels = torch.randint(0, num_classes, (n_source,), generator=g)
    source_features = centers[source_labels] + torch.randn(n_source, dim, generator=g, dtype=torch.float64)
    target_labels = torch.randint(0, num_classes, (n_target,), generator=g)
    target_features = centers[target_labels] + 0.7 + 1.3 * torch.randn(n_target, dim, generator=g, dtype=torch.float64)
    readout = torch.randn(dim, num_classes, generator=g, dtype=torch.float64)
    source_logits = source_features @ readout + torch.randn(n_source, num_classes, generator=g, dtype=torch.float64)
    target_logits = target_features @ readout + torch.randn(n_target, num_classes, generator=g, dtype=torch.float64)
    return {
        "source_features": source_features,
        "source_logits": source_logits,
        "source_labels": source_labels,
        "target_features": target_features,
        "target_probs": target_logits.softmax(dim=1),
    }
