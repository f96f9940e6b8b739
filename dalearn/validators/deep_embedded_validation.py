r"""Deep embedded validation (DEV): an importance-weighted source risk with a control variate.

You et al., "Towards accurate model selection in deep unsupervised domain adaptation" (ICML
2019). On the labelled source hold-out (n_s rows) and the target (n_t rows):

1. a domain classifier on the features gives d_i = P(target | x_i) for each source row, and
   the density ratio w_i = p_t(x_i)/p_s(x_i) = (n_s'/n_t') · d_i / (1 − d_i), with n_s', n_t'
   the source and target rows the classifier was trained on;
2. ℓ_i = cross-entropy of the source prediction, L_i = w_i ℓ_i;
3. η = −Cov(L, w) / Var(w) (sample covariance and variance; η = 0 if all w_i are equal);
4. DEV = mean(L) + η · mean(w) − η, and **score = −DEV** (higher = predicted better).

Domain classifier (deterministic, our choice; the paper trains an MLP and pytorch-adapt
picks among MLPs by a held-out split): scikit-learn ``LogisticRegression(C=C)`` (L2, lbfgs) on
features standardised by a ``StandardScaler``, both fitted by ``folds``-fold cross-fitting:
the source and target rows are split by ``StratifiedKFold(folds, shuffle=True,
random_state=seed)``, and the weight of each source row comes from the classifier fitted on
the other folds, so no row is weighted by a classifier that saw it. d/(1−d) is taken as
exp(decision function), clipped to exp(±100) so that separable domains give large but
finite weights. Rows are first put in a canonical order (by content hash), so the score does
not depend on the update order, the batching or the number of processes.

Cost: stores every source hold-out row (features, logits, label) and every target feature
row (``dist_reduce_fx="cat"``); compute() fits ``folds`` logistic regressions on
(n_s + n_t) × D standardised features on the CPU.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import torch

from dalearn.metrics._hashing import canonical_order, row_hashes
from dalearn.validators._inputs import (
    check_features,
    check_labels,
    check_logits,
    check_same_rows,
    concat_rows,
    stored_width,
)
from dalearn.validators.base import Validator

MAX_LOG_RATIO = 100.0
NORMALIZATIONS = (None, "max")


def importance_weights(
    source_features: np.ndarray,
    target_features: np.ndarray,
    folds: int = 5,
    C: float = 1.0,
    max_iter: int = 1000,
    seed: int = 0,
) -> np.ndarray:
    """w_i = p_t(x_i)/p_s(x_i) for each source row, from cross-fitted logistic regressions."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    n_s, n_t = len(source_features), len(target_features)
    x = np.concatenate([source_features, target_features]).astype(np.float64)
    domain = np.concatenate([np.zeros(n_s, dtype=np.int64), np.ones(n_t, dtype=np.int64)])
    log_ratio = np.empty(n_s, dtype=np.float64)
    for train, test in StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(x, domain):
        classifier = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=max_iter))
        classifier.fit(x[train], domain[train])
        held_out_source = test[test < n_s]
        prior = np.log((domain[train] == 0).sum() / (domain[train] == 1).sum())
        logit = np.clip(classifier.decision_function(x[held_out_source]), -MAX_LOG_RATIO, MAX_LOG_RATIO)
        log_ratio[held_out_source] = prior + logit
    return np.exp(log_ratio)


def normalize_weights(weights: np.ndarray, normalization: Optional[str]) -> np.ndarray:
    """None: unchanged. ``"max"`` (DEVN): w / max(w), then shifted to unit mean."""
    if normalization is None:
        return weights
    if normalization == "max":
        scaled = weights / weights.max()
        return scaled - scaled.mean() + 1.0
    raise ValueError(f"normalization must be one of {NORMALIZATIONS}, got {normalization!r}")


def dev_risk(weights: np.ndarray, losses: np.ndarray) -> float:
    """DEV = mean(L) + η·mean(w) − η with L = w·ℓ and η = −Cov(L, w)/Var(w) (ddof = 1)."""
    weighted = weights * losses
    variance = np.var(weights, ddof=1)
    if variance > 0:
        covariance = np.sum((weighted - weighted.mean()) * (weights - weights.mean())) / (len(weights) - 1)
        eta = -covariance / variance
    else:
        eta = 0.0
    return float(weighted.mean() + eta * weights.mean() - eta)


def deep_embedded_validation(
    source_features: torch.Tensor,
    source_logits: torch.Tensor,
    source_labels: torch.Tensor,
    target_features: torch.Tensor,
    normalization: Optional[str] = None,
    folds: int = 5,
    C: float = 1.0,
    max_iter: int = 1000,
    seed: int = 0,
) -> torch.Tensor:
    """−DEV (float64) from whole tensors, in the row order given (see the module doc)."""
    owner = "deep_embedded_validation"
    _check_arguments(owner, normalization, folds, C, max_iter)
    features = check_features(owner, "source_features", source_features, None)
    logits = check_logits(owner, "source_logits", source_logits, None)
    labels = check_labels(owner, "source_labels", source_labels, logits.size(0), logits.size(1))
    target = check_features(owner, "target_features", target_features, features.size(1))
    check_same_rows(owner, ("source_features", "source_logits"), features, logits)
    _check_sizes(owner, features.size(0), target.size(0), folds)
    losses = torch.nn.functional.cross_entropy(logits.to(torch.float64), labels.to(logits.device), reduction="none")
    weights = importance_weights(
        features.to(torch.float64).cpu().numpy(), target.to(torch.float64).cpu().numpy(), folds, C, max_iter, seed
    )
    risk = dev_risk(normalize_weights(weights, normalization), losses.cpu().numpy())
    return torch.tensor(-risk, dtype=torch.float64)


def _check_arguments(owner: str, normalization: Optional[str], folds: int, C: float, max_iter: int) -> None:
    if normalization not in NORMALIZATIONS:
        raise ValueError(f"{owner}: normalization must be one of {NORMALIZATIONS}, got {normalization!r}")
    if int(folds) != folds or folds < 2:
        raise ValueError(f"{owner}: folds must be an integer ≥ 2, got {folds}")
    if not C > 0 or int(max_iter) != max_iter or max_iter < 1:
        raise ValueError(f"{owner}: C must be positive and max_iter a positive integer, got C={C}, max_iter={max_iter}")


def _check_sizes(owner: str, n_source: int, n_target: int, folds: int) -> None:
    if n_source < folds or n_target < folds:
        raise ValueError(
            f"{owner}: the {folds}-fold domain classifier needs at least {folds} source and {folds} target rows, got "
            f"{n_source} source and {n_target} target rows; raise data.source_holdout or lower folds"
        )


class DeepEmbeddedValidation(Validator):
    r"""−DEV from the source hold-out and the target features (see the module doc).

    ``update()`` takes any of the two groups per call: the source hold-out rows
    (``source_features``, ``source_logits``, ``source_labels``, all three together) and/or the
    target rows (``target_features``).

    Args:
        folds: cross-fitting folds of the domain classifier (default 5).
        C: inverse L2 strength of the logistic regression (default 1.0).
        max_iter: lbfgs iterations (default 1000).
        seed: ``random_state`` of the fold split (default 0).

    Example:
        >>> import torch
        >>> g = torch.Generator().manual_seed(0)
        >>> validator = DeepEmbeddedValidation()
        >>> validator.update(
        ...     source_features=torch.randn(40, 3, generator=g),
        ...     source_logits=torch.randn(40, 4, generator=g),
        ...     source_labels=torch.randint(0, 4, (40,), generator=g),
        ...     target_features=torch.randn(60, 3, generator=g) + 0.5,
        ... )
        >>> bool(validator.compute() < 0)  # −(a weighted cross-entropy)
        True
    """

    name = "dev"
    inputs = ("source_features", "source_logits", "source_labels", "target_features")
    needs_source = True
    normalization: Optional[str] = None

    def __init__(self, folds: int = 5, C: float = 1.0, max_iter: int = 1000, seed: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _check_arguments(f"{type(self).__name__} ({self.name})", self.normalization, folds, C, max_iter)
        self.folds, self.C, self.max_iter, self.seed = int(folds), float(C), int(max_iter), int(seed)
        for state in ("source_features", "source_logits", "source_labels", "target_features"):
            self.add_state(state, default=[], dist_reduce_fx="cat")

    def update(
        self,
        source_features: torch.Tensor | None = None,
        source_logits: torch.Tensor | None = None,
        source_labels: torch.Tensor | None = None,
        target_features: torch.Tensor | None = None,
    ) -> None:
        """Store a batch of source hold-out rows and/or target feature rows."""
        owner = type(self).__name__
        source = (source_features, source_logits, source_labels)
        if all(x is None for x in source) and target_features is None:
            raise self._error(f"update() got no input; pass {', '.join(self.inputs)}")
        width = stored_width(self.source_features) or stored_width(self.target_features)
        if any(x is not None for x in source):
            if any(x is None for x in source):
                raise self._error("pass source_features, source_logits and source_labels together (the same rows)")
            features = check_features(owner, "source_features", source_features, width)
            logits = check_logits(owner, "source_logits", source_logits, self.num_classes)
            labels = check_labels(owner, "source_labels", source_labels, logits.size(0), logits.size(1))
            check_same_rows(owner, ("source_features", "source_logits"), features, logits)
            self.num_classes, width = logits.size(1), features.size(1)
            self.source_features.append(features)
            self.source_logits.append(logits)
            self.source_labels.append(labels)
        if target_features is not None:
            self.target_features.append(check_features(owner, "target_features", target_features, width))

    def compute(self) -> torch.Tensor:
        features = concat_rows(self.source_features, torch.float64)
        target = concat_rows(self.target_features, torch.float64)
        if features is None:
            raise self._missing_source()
        if target is None:
            raise self._missing_target()
        logits = concat_rows(self.source_logits, torch.float64)
        labels = concat_rows(self.source_labels).to(torch.int64)
        _check_sizes(f"{type(self).__name__} ({self.name})", features.size(0), target.size(0), self.folds)
        source_order = canonical_order(row_hashes([features, logits, labels.to(torch.float64).unsqueeze(1)]))
        target_order = canonical_order(row_hashes([target]))
        return deep_embedded_validation(
            features[source_order],
            logits[source_order],
            labels[source_order],
            target[target_order],
            self.normalization,
            self.folds,
            self.C,
            self.max_iter,
            self.seed,
        ).to(features.device)
