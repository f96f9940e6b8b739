"""Self-training's collapse protections change the pseudo-label objective as their formulas say,
each checked against a NumPy derivation from the same logits: the diversity term
(−λ·H(p̄) added to the loss), distribution alignment (pseudo-labels from normalise(q / (C·p̄)))
and class balance (each pseudo-label's CE weighted by min(1/(C·f_c), C))."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.special import softmax

from dalearn.losses import ClassBalancedSelfTrainingLoss, ConfidenceBasedSelfTrainingLoss
from dalearn.methods import SelfTraining
from dalearn.nn import ImageClassifier, bottleneck, build_backbone

C = 10


def cross_entropy(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    return -(z[np.arange(len(labels)), labels] - np.log(np.exp(z).sum(axis=1)))


def numpy_fixmatch(strong: np.ndarray, q: np.ndarray, threshold: float, weights: np.ndarray | None = None) -> float:
    labels, mask = q.argmax(axis=1), (q.max(axis=1) >= threshold).astype(float)
    w = np.ones(C) if weights is None else weights
    return float(np.mean(mask * w[labels] * cross_entropy(strong, labels)))


def batch(seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    x_s, y_s = torch.rand(8, 3, 28, 28, generator=g), torch.randint(0, C, (8,), generator=g)
    weak, strong = torch.rand(8, 3, 28, 28, generator=g), torch.rand(8, 3, 28, 28, generator=g)
    return x_s, y_s, {"image": weak, "strong": strong}


def model(protection: str, **kwargs) -> SelfTraining:
    torch.manual_seed(0)
    return SelfTraining(
        ImageClassifier(build_backbone("lenet", pretrained=False), C, bottleneck, 256),
        collapse_protection=protection,
        **kwargs,
    )


def logits_of(m: SelfTraining, x_s, x_t) -> tuple[np.ndarray, np.ndarray]:
    """The weak and strong target logits of the method's one forward of cat(x_s, weak, strong)."""
    with torch.no_grad():
        logits, _ = m.classifier(torch.cat([x_s, x_t["image"], x_t["strong"]]))
    n = x_s.size(0)
    return logits[n : 2 * n].double().numpy(), logits[2 * n :].double().numpy()


def test_diversity_subtracts_the_entropy_of_the_mean_weak_prediction():
    x_s, y_s, x_t = batch()
    plain, protected = model("none"), model("diversity", protection_weight=0.7)
    protected.load_state_dict(plain.state_dict())
    weak, _ = logits_of(plain, x_s, x_t)
    mean = softmax(weak, axis=1).mean(axis=0)
    expected = -np.sum(mean * np.log(mean + 1e-5))
    without, with_term = plain.compute_losses(x_s, y_s, x_t), protected.compute_losses(x_s, y_s, x_t)
    assert float(with_term["diversity"].detach()) == pytest.approx(expected, rel=1e-5)
    total, plain_total = float(with_term["loss"].detach()), float(without["loss"].detach())
    assert total == pytest.approx(plain_total - 0.7 * expected, rel=1e-5)
    assert float(with_term["transfer_loss"].detach()) == pytest.approx(float(without["transfer_loss"].detach()))


def test_distribution_alignment_takes_pseudo_labels_from_the_aligned_prediction():
    x_s, y_s, x_t = batch(1)
    m = model("distribution_alignment", threshold=0.15, alignment_momentum=0.5)
    prior = np.linspace(0.5, 1.5, C)
    prior /= prior.sum()
    m.target_prior.copy_(torch.tensor(prior, dtype=torch.float32))
    weak, strong = logits_of(m, x_s, x_t)
    q = softmax(weak, axis=1)
    running = 0.5 * prior + 0.5 * q.mean(axis=0)
    aligned = q / (C * running)
    aligned /= aligned.sum(axis=1, keepdims=True)
    expected = numpy_fixmatch(strong, aligned, 0.15)
    got = m.compute_losses(x_s, y_s, x_t)
    assert float(got["transfer_loss"].detach()) == pytest.approx(expected, rel=1e-4)
    np.testing.assert_allclose(m.target_prior.numpy(), running, rtol=1e-5)
    assert expected != pytest.approx(numpy_fixmatch(strong, q, 0.15), rel=1e-3)  # alignment changed something


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_class_balance_weights_each_pseudo_label_by_its_class_share(momentum):
    g = torch.Generator().manual_seed(2)
    strong = torch.randn(40, C, dtype=torch.float64, generator=g)
    weak = torch.randn(40, C, dtype=torch.float64, generator=g) * 3
    weak[:25, 3] += 6.0  # most confident pseudo-labels fall on class 3
    before = np.full(C, 1.0 / C)
    loss_fn = ClassBalancedSelfTrainingLoss(threshold=0.8, num_classes=C, momentum=momentum)
    loss, mask, labels = loss_fn(strong, weak)
    q = softmax(weak.numpy(), axis=1)
    kept = q.max(axis=1) >= 0.8
    h = np.bincount(q.argmax(axis=1)[kept], minlength=C) / kept.sum()
    frequency = momentum * before + (1 - momentum) * h
    with np.errstate(divide="ignore"):  # a class no pseudo-label fell on: weight capped at C
        weights = np.minimum(1.0 / (C * frequency), C)
    np.testing.assert_allclose(loss_fn.class_frequency.numpy(), frequency, rtol=1e-6)
    assert loss.item() == pytest.approx(numpy_fixmatch(strong.numpy(), q, 0.8, weights), rel=1e-6)
    unweighted, _, _ = ConfidenceBasedSelfTrainingLoss(0.8)(strong, weak)
    assert loss.item() < unweighted.item()  # the over-represented class is weighted down
    np.testing.assert_array_equal(mask.numpy(), kept.astype(np.float32))


def test_class_balance_equals_fixmatch_while_pseudo_labels_are_balanced():
    weak = 10.0 * torch.eye(C, dtype=torch.float64).repeat(3, 1)
    strong = torch.randn(3 * C, C, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    balanced, _, _ = ClassBalancedSelfTrainingLoss(0.9, C, momentum=0.5)(strong, weak)
    plain, _, _ = ConfidenceBasedSelfTrainingLoss(0.9)(strong, weak)
    assert balanced.item() == pytest.approx(plain.item(), rel=1e-12)


def test_the_method_uses_the_class_balanced_loss_and_refuses_unknown_protections():
    assert isinstance(model("class_balance").self_training, ClassBalancedSelfTrainingLoss)
    assert type(model("diversity").self_training) is ConfidenceBasedSelfTrainingLoss
    with pytest.raises(ValueError, match="collapse_protection='typo'.*distribution_alignment, class_balance"):
        model("typo")
    with pytest.raises(ValueError, match="momentum"):
        ClassBalancedSelfTrainingLoss(0.9, C, momentum=1.0)


def test_protection_is_on_by_default(train_cfg):
    """Both self-training configs (RandAugment and AutoAugment-SVHN) and the class default."""
    for method in ("self_training", "self_training_svhn"):
        assert train_cfg([f"method={method}"]).method.collapse_protection == "distribution_alignment"
    torch.manual_seed(0)
    assert (
        SelfTraining(ImageClassifier(build_backbone("lenet", pretrained=False), C, bottleneck, 256)).collapse_protection
        == "distribution_alignment"
    )
