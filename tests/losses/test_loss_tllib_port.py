"""A TLlib user's training loop ported by changing only the import: each regulariser is
built and called exactly as in Transfer-Learning-Library's examples (mcc.py, bsp.py,
afn.py, fixmatch.py), trained for a few SGD steps on a tiny shifted three-class problem, and
compared with the same run without it (same initialisation, same batches). Each must move
the quantity it targets in the right direction."""

from __future__ import annotations

import inspect

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from dalearn.losses import (
    AdaptiveFeatureNorm,
    BatchSpectralPenalizationLoss,
    ConfidenceBasedSelfTrainingLoss,
    DomainAdversarialLoss,
    MinimumClassConfusionLoss,
)
from dalearn.nn import DomainDiscriminator

NUM_CLASSES, INPUT_DIM, FEATURE_DIM, BATCH, STEPS = 3, 8, 16, 32, 60


class TinyClassifier(nn.Module):
    """TLlib's Classifier contract in training mode: forward(x) → (logits, features)."""

    def __init__(self) -> None:
        super().__init__()
        self.bottleneck = nn.Sequential(nn.Linear(INPUT_DIM, FEATURE_DIM), nn.ReLU())
        self.head = nn.Linear(FEATURE_DIM, NUM_CLASSES)

    def forward(self, x: torch.Tensor):
        f = self.bottleneck(x)
        return self.head(f), f


def shifted_problem(seed: int = 0):
    """Source: three Gaussian blobs; target: the same blobs, scaled down and shifted."""
    gen = torch.Generator().manual_seed(seed)
    means = 2.5 * torch.eye(NUM_CLASSES, INPUT_DIM)
    labels_s = torch.randint(0, NUM_CLASSES, (STEPS * BATCH,), generator=gen)
    labels_t = torch.randint(0, NUM_CLASSES, (STEPS * BATCH,), generator=gen)
    x_s = means[labels_s] + torch.randn(STEPS * BATCH, INPUT_DIM, generator=gen)
    x_t = 0.6 * (means[labels_t] + torch.randn(STEPS * BATCH, INPUT_DIM, generator=gen)) + 0.8
    return x_s, labels_s, x_t


def batches(x_s, labels_s, x_t):
    for step in range(STEPS):
        window = slice(step * BATCH, (step + 1) * BATCH)
        yield x_s[window], labels_s[window], x_t[window]


def fresh_model() -> TinyClassifier:
    torch.manual_seed(1)
    return TinyClassifier()


def sgd(params):
    return torch.optim.SGD(params, lr=0.05, momentum=0.9)


def evaluate(model: TinyClassifier, x_t: torch.Tensor):
    with torch.no_grad():
        return model(x_t[: 4 * BATCH])


def train_mcc(trade_off: float) -> TinyClassifier:
    data = shifted_problem()
    model = fresh_model()
    optimizer = sgd(model.parameters())
    mcc_loss = MinimumClassConfusionLoss(temperature=2.5)
    for x_s, labels_s, x_t in batches(*data):
        x = torch.cat((x_s, x_t), dim=0)
        y, f = model(x)
        y_s, y_t = y.chunk(2, dim=0)
        cls_loss = F.cross_entropy(y_s, labels_s)
        transfer_loss = mcc_loss(y_t)
        loss = cls_loss + transfer_loss * trade_off
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model


@pytest.mark.slow
def test_mcc_reduces_target_class_confusion():
    x_t = shifted_problem()[2]
    confusion = MinimumClassConfusionLoss(temperature=2.5)
    plain = confusion(evaluate(train_mcc(trade_off=0.0), x_t)[0]).item()
    regularised = confusion(evaluate(train_mcc(trade_off=1.0), x_t)[0]).item()
    assert regularised < 0.6 * plain, (plain, regularised)


def train_dann_bsp(bsp_trade_off: float) -> TinyClassifier:
    data = shifted_problem()
    model = fresh_model()
    torch.manual_seed(2)
    domain_discri = DomainDiscriminator(in_feature=FEATURE_DIM, hidden_size=16)
    domain_adv = DomainAdversarialLoss(domain_discri)
    bsp_penalty = BatchSpectralPenalizationLoss()
    optimizer = sgd(list(model.parameters()) + list(domain_discri.parameters()))
    for x_s, labels_s, x_t in batches(*data):
        x = torch.cat((x_s, x_t), dim=0)
        y, f = model(x)
        y_s, y_t = y.chunk(2, dim=0)
        f_s, f_t = f.chunk(2, dim=0)
        cls_loss = F.cross_entropy(y_s, labels_s)
        transfer_loss = domain_adv(f_s, f_t)
        bsp_loss = bsp_penalty(f_s, f_t)
        loss = cls_loss + transfer_loss * 1.0 + bsp_loss * bsp_trade_off
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model


@pytest.mark.slow
def test_bsp_reduces_the_largest_singular_value_of_the_features():
    x_t = shifted_problem()[2]
    plain = torch.linalg.svdvals(evaluate(train_dann_bsp(bsp_trade_off=0.0), x_t)[1])[0].item()
    regularised = torch.linalg.svdvals(evaluate(train_dann_bsp(bsp_trade_off=1e-3), x_t)[1])[0].item()
    assert regularised < 0.5 * plain, (plain, regularised)


def train_afn(trade_off_norm: float):
    data = shifted_problem()
    model = fresh_model()
    optimizer = sgd(model.parameters())
    adaptive_feature_norm = AdaptiveFeatureNorm(delta=1.0)
    norms = []
    for x_s, labels_s, x_t in batches(*data):
        y_s, f_s = model(x_s)
        y_t, f_t = model(x_t)
        cls_loss = F.cross_entropy(y_s, labels_s)
        norm_loss = adaptive_feature_norm(f_s) + adaptive_feature_norm(f_t)
        loss = cls_loss + norm_loss * trade_off_norm
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        norms.append(f_t.detach().norm(dim=1).mean().item())
    return norms


@pytest.mark.slow
def test_afn_enlarges_the_target_feature_norms():
    plain = train_afn(trade_off_norm=0.0)
    regularised = train_afn(trade_off_norm=0.05)
    assert regularised[0] == plain[0]
    assert regularised[-1] > 3.0 * plain[-1], (plain[-1], regularised[-1])


def train_fixmatch(trade_off: float):
    data = shifted_problem()
    model = fresh_model()
    optimizer = sgd(model.parameters())
    self_training_criterion = ConfidenceBasedSelfTrainingLoss(threshold=0.9)
    gen = torch.Generator().manual_seed(3)
    for x_s, labels_s, x_t in batches(*data):
        x_t_strong = x_t + 0.5 * torch.randn(x_t.shape, generator=gen)
        y_s, _ = model(x_s)
        with torch.no_grad():
            y_t, _ = model(x_t)
        y_t_strong, _ = model(x_t_strong)
        cls_loss = F.cross_entropy(y_s, labels_s)
        self_training_loss, mask, pseudo_labels = self_training_criterion(y_t_strong, y_t)
        self_training_loss = trade_off * self_training_loss
        loss = cls_loss + self_training_loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        assert mask.shape == pseudo_labels.shape == (BATCH,)
    return model


@pytest.mark.slow
def test_self_training_makes_more_target_predictions_confident():
    x_t = shifted_problem()[2]

    def confident(model: TinyClassifier) -> float:
        return (evaluate(model, x_t)[0].softmax(dim=1).max(dim=1).values >= 0.9).float().mean().item()

    plain, regularised = confident(train_fixmatch(trade_off=0.0)), confident(train_fixmatch(trade_off=1.0))
    assert regularised > plain + 0.05, (plain, regularised)


TLLIB_SIGNATURES = {
    MinimumClassConfusionLoss: (["temperature"], ["logits"]),
    BatchSpectralPenalizationLoss: ([], ["f_s", "f_t"]),
    AdaptiveFeatureNorm: (["delta"], ["f"]),
    ConfidenceBasedSelfTrainingLoss: (["threshold"], ["y", "y_target"]),
}


def test_required_arguments_have_tllib_names_and_order():
    """Keyword calls written for TLlib (``temperature=``, ``f_s=``, ``y_target=`` …) must
    work; extra arguments are allowed only with defaults (BSP's ``k``)."""
    for cls, (init_names, forward_names) in TLLIB_SIGNATURES.items():
        for function, expected in ((cls.__init__, init_names), (cls.forward, forward_names)):
            parameters = list(inspect.signature(function).parameters.values())[1:]
            required = [p.name for p in parameters if p.default is inspect.Parameter.empty]
            assert required == expected, (cls.__name__, function.__name__, required)
