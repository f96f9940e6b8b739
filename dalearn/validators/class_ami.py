r"""ClassAMI: agreement between the clusters of the target features and the predicted classes,

    score = AMI( k-means_{k=C}(F), argmax_c P_ic ),

the adjusted mutual information (Vinh et al., 2010; scikit-learn's
``adjusted_mutual_info_score``, arithmetic normalisation) between a k-means partition of the
target features F (k = C, the number of classes) and the predicted classes. It is high when
the classifier's decision regions follow the cluster structure of the target features.
Range: about 0 for unrelated partitions, 1 for identical ones.

Paper: Musgrave et al., "Three new validators and a large-scale benchmark ranking for
unsupervised domain adaptation" (2022); pytorch-adapt's ``ClassClusterValidator`` (k-means,
AMI against the predicted target labels). That implementation can also append the source
features with their true labels (``with_src``) or fit a PCA first; here only the target is
clustered (as in its default, ``with_src=False``), with no PCA, so ClassAMI needs no source
hold-out. ``normalize=True`` L2-normalises the features before k-means (a flag the benchmark
also swept).

k-means: scikit-learn ``KMeans(n_clusters=C, n_init=n_init, random_state=seed)`` on float64
features, rows first put in a canonical order (by content hash) so the score does not
depend on the update order, the batching or the number of processes.

Cost: stores every target feature row and its predicted class (``dist_reduce_fx="cat"``);
compute() runs ``n_init`` k-means fits on N × D features on the CPU.
"""

from __future__ import annotations

from typing import Any

import torch

from dalearn.metrics._hashing import canonical_order, row_hashes
from dalearn.validators._inputs import check_features, check_probs, check_same_rows, concat_rows, stored_width
from dalearn.validators.base import Validator


def class_ami(
    target_features: torch.Tensor,
    target_probs: torch.Tensor,
    normalize: bool = False,
    n_init: int = 10,
    seed: int = 0,
) -> torch.Tensor:
    """AMI (float64) between k-means (k = C) clusters of (N, D) target features and the argmax
    of their (N, C) softmax predictions, in the row order given."""
    owner = "class_ami"
    features = check_features(owner, "target_features", target_features, None)
    probs = check_probs(owner, "target_probs", target_probs, None)
    check_same_rows(owner, ("target_features", "target_probs"), features, probs)
    return _ami(owner, features, probs.argmax(dim=1), probs.size(1), normalize, n_init, seed)


def _ami(
    owner: str,
    features: torch.Tensor,
    predicted: torch.Tensor,
    num_classes: int,
    normalize: bool,
    n_init: int,
    seed: int,
) -> torch.Tensor:
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_mutual_info_score

    if features.size(0) < num_classes:
        raise ValueError(
            f"{owner}: k-means with k = {num_classes} classes needs at least {num_classes} target rows, got "
            f"{features.size(0)}; evaluate on more target images"
        )
    x = features.to(torch.float64)
    if normalize:
        x = torch.nn.functional.normalize(x, dim=1)
    clusters = KMeans(n_clusters=num_classes, n_init=n_init, random_state=seed).fit_predict(x.cpu().numpy())
    score = adjusted_mutual_info_score(predicted.cpu().numpy(), clusters)
    return torch.tensor(float(score), dtype=torch.float64)


class ClassAMI(Validator):
    r"""AMI between k-means clusters of the target features and the predicted classes
    (see the module doc).

    Args:
        normalize: L2-normalise the features before k-means (default False).
        n_init: k-means restarts (default 10).
        seed: k-means ``random_state`` (default 0).

    Example:
        >>> import torch
        >>> features = torch.tensor([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0]])
        >>> probs = torch.tensor([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.3, 0.7]])
        >>> validator = ClassAMI()
        >>> validator.update(target_features=features, target_probs=probs)
        >>> float(validator.compute())  # the clusters are the predicted classes
        1.0
    """

    name = "class_ami"
    inputs = ("target_features", "target_probs")
    needs_source = False

    def __init__(self, normalize: bool = False, n_init: int = 10, seed: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if int(n_init) != n_init or n_init < 1:
            raise ValueError(f"ClassAMI (class_ami): n_init must be a positive integer, got {n_init}")
        self.normalize, self.n_init, self.seed = bool(normalize), int(n_init), int(seed)
        self.add_state("features", default=[], dist_reduce_fx="cat")
        self.add_state("predicted", default=[], dist_reduce_fx="cat")
        self.add_state("class_count", default=torch.zeros((), dtype=torch.int64), dist_reduce_fx="max")

    def update(self, target_features: torch.Tensor, target_probs: torch.Tensor) -> None:
        """Store a batch of (N, D) target features and their (N, C) softmax predictions."""
        owner = type(self).__name__
        features = check_features(owner, "target_features", target_features, stored_width(self.features))
        probs = check_probs(owner, "target_probs", target_probs, self.num_classes)
        check_same_rows(owner, ("target_features", "target_probs"), features, probs)
        self.num_classes = probs.size(1)
        self.class_count = torch.full_like(self.class_count, probs.size(1))
        self.features.append(features)
        self.predicted.append(probs.argmax(dim=1))

    def compute(self) -> torch.Tensor:
        features = concat_rows(self.features, torch.float64)
        if features is None:
            raise self._missing_target()
        predicted = concat_rows(self.predicted).to(torch.int64)
        order = canonical_order(row_hashes([features, predicted.to(torch.float64).unsqueeze(1)]))
        owner = f"{type(self).__name__} ({self.name})"
        classes = int(self.class_count)
        value = _ami(owner, features[order], predicted[order], classes, self.normalize, self.n_init, self.seed)
        return value.to(features.device)
