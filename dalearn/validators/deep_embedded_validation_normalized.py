r"""DEVN: deep embedded validation with max-normalised importance weights.

Musgrave et al., "Benchmarking validation methods for unsupervised domain adaptation"
(2022), found that a few huge importance weights make DEV unstable and proposed normalising
them. Before the risk of :mod:`dalearn.validators.deep_embedded_validation` is computed, the
weights become

    w' = w / max(w),   w'' = w' − mean(w') + 1,

i.e. max-normalised to (0, 1] and shifted back to unit mean (the mean a density ratio has in
expectation, and the mean pytorch-adapt's tests require of its ``"max"`` normalisation). With
mean(w'') = 1 the control-variate term η·(mean(w'') − 1) vanishes, so
DEVN = mean(w'' ℓ) = mean(ℓ) + Cov_pop(w', ℓ), and **score = −DEVN**.

Cost: as DEV (stores every source hold-out row and target feature row; ``folds`` logistic
regressions at compute()).
"""

from __future__ import annotations

from dalearn.validators.deep_embedded_validation import DeepEmbeddedValidation


class DeepEmbeddedValidationNormalized(DeepEmbeddedValidation):
    r"""−DEV with max-normalised, unit-mean importance weights (see the module doc).

    Example:
        >>> import torch
        >>> g = torch.Generator().manual_seed(0)
        >>> validator = DeepEmbeddedValidationNormalized()
        >>> validator.update(
        ...     source_features=torch.randn(40, 3, generator=g),
        ...     source_logits=torch.randn(40, 4, generator=g),
        ...     source_labels=torch.randint(0, 4, (40,), generator=g),
        ...     target_features=torch.randn(60, 3, generator=g) + 0.5,
        ... )
        >>> bool(validator.compute() < 0)
        True
    """

    name = "devn"
    normalization = "max"
