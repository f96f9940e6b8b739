r"""MixVal: probe a model with mixed target images whose label its own pseudo-labels imply.

Hu, Liang, Liew, Xue, Bai & Wang, "Mixed Samples as Probes for Unsupervised Model Selection in
Domain Adaptation" (NeurIPS 2023). For target images x_1..x_K with the model's pseudo-labels
ŷ_i = argmax_c p_c(x_i), pair each anchor i with a partner j and build

    x̃ = λ·x_i + (1 − λ)·x_j,   λ = 0.55 (> 0.5: the anchor dominates, so x̃'s label is ŷ_i),

then score the model's accuracy on the probes against ŷ_i:

- **intra-cluster** probes: j drawn among the other images with ŷ_j = ŷ_i — do images of one
  predicted class form a dense region (the neighbourhood-density view of SND);
- **inter-cluster** probes: j drawn among the images with ŷ_j ≠ ŷ_i — is the decision boundary
  between the two predicted classes placed between them, not next to one (the low-density
  separation view of entropy);

    MixVal = (ICE_intra + ICE_inter) / 2   (higher = predicted better).

Checked against the authors' code (LHXXHB/MixVal, ``val_mixval_intra.py`` /
``val_mixval_inter.py``): mixup in input space with the fixed λ = 0.55 and hard pseudo-labels,
probes scored by the argmax of the mixed image's prediction. Choices where they differ or leave
it open: the authors pair neighbours within shuffled (inter) or class-sorted (intra) batches,
dalearn draws each anchor's partner at random from its cluster or from the other clusters (the
same two populations, every anchor used once in each); the two ICE scores are averaged per
checkpoint (as skada's ``MixValScorer(ice_type="both")``) so that a checkpoint's score does not
depend on the other candidates and a run can pick its own epoch by it; the anchors are a fixed
subset of K target images (cost below); a probe set that is empty scores 0 — a model that
predicts one class for every anchor has no inter-cluster probe, and no boundary to credit.

Cost: at most 2·K forward passes of mixed images per evaluation (K = 512 by default), no
gradient, plus O(K) index work — for LeNet on one CPU core 0.4 s an epoch (measured on the
shared 2-core machine: ≈ 3 % of a 100-iteration Digits epoch, ≈ 1 % of a Fashion-MNIST one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import torch

LAMBDA = 0.55


@dataclass(frozen=True)
class MixValResult:
    """ICE on the intra- and inter-cluster probes, their mean (``score``) and the probe counts."""

    intra: float
    inter: float
    n_intra: int
    n_inter: int

    @property
    def score(self) -> float:
        return (self.intra + self.inter) / 2.0


def intra_partners(
    labels: torch.Tensor, generator: Optional[torch.Generator] = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(anchors, partners)``: every image whose pseudo-class has another member, paired with
    a different image of the same pseudo-class drawn uniformly."""
    anchors, partners = [], []
    for value in torch.unique(labels):
        members = torch.nonzero(labels == value).flatten()
        size = members.numel()
        if size < 2:
            continue
        offsets = torch.randint(1, size, (size,), generator=generator)
        anchors.append(members)
        partners.append(members[(torch.arange(size) + offsets) % size])
    if not anchors:
        empty = torch.zeros(0, dtype=torch.long)
        return empty, empty
    return torch.cat(anchors), torch.cat(partners)


def inter_partners(
    labels: torch.Tensor, generator: Optional[torch.Generator] = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(anchors, partners)``: every image, paired with an image of another pseudo-class drawn
    uniformly among all such images (none when every image has one pseudo-class)."""
    n = labels.numel()
    order = torch.argsort(labels, stable=True)
    classes, counts = torch.unique(labels, return_counts=True)
    if classes.numel() < 2:
        empty = torch.zeros(0, dtype=torch.long)
        return empty, empty
    starts = torch.cumsum(counts, 0) - counts
    slot = torch.searchsorted(classes, labels)
    start, count = starts[slot], counts[slot]
    draw = (torch.rand(n, generator=generator) * (n - count).to(torch.float64)).floor().to(torch.long)
    position = torch.where(draw < start, draw, draw + count)
    return torch.arange(n), order[position]


def _accuracy(
    predict: Callable[[torch.Tensor], torch.Tensor],
    images: torch.Tensor,
    labels: torch.Tensor,
    anchors: torch.Tensor,
    partners: torch.Tensor,
    lam: float,
    batch_size: int,
) -> float:
    if anchors.numel() == 0:
        return 0.0
    correct = 0
    for begin in range(0, anchors.numel(), batch_size):
        a, b = anchors[begin : begin + batch_size], partners[begin : begin + batch_size]
        mixed = lam * images[a] + (1.0 - lam) * images[b]
        predicted = predict(mixed).argmax(dim=1).to(labels.device)
        correct += int((predicted == labels[a]).sum())
    return correct / anchors.numel()


def mixval(
    predict: Callable[[torch.Tensor], torch.Tensor],
    images: torch.Tensor,
    probs: torch.Tensor,
    lam: float = LAMBDA,
    seed: int = 0,
    batch_size: int = 256,
) -> MixValResult:
    """MixVal of the model ``predict`` (images → logits or probabilities) on target ``images``
    (K, …) whose predictions under the same model are ``probs`` (K, C); see the module doc.
    The partners are drawn with a generator seeded by ``seed``."""
    if not 0.5 < lam < 1.0:
        raise ValueError(f"MixVal: lam must lie in (0.5, 1) so that the anchor's label is the mix's, got {lam}")
    if images.size(0) != probs.size(0) or images.size(0) == 0:
        raise ValueError(
            f"MixVal: {images.size(0)} images but {probs.size(0)} prediction rows; pass the predictions of the same, "
            "non-empty set of images"
        )
    labels = probs.argmax(dim=1).cpu()
    generator = torch.Generator().manual_seed(int(seed))
    intra = intra_partners(labels, generator)
    inter = inter_partners(labels, generator)
    with torch.no_grad():
        return MixValResult(
            intra=_accuracy(predict, images, labels, *intra, lam, batch_size),
            inter=_accuracy(predict, images, labels, *inter, lam, batch_size),
            n_intra=int(intra[0].numel()),
            n_inter=int(inter[0].numel()),
        )
