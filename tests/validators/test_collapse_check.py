"""The collapse check (dalearn.validators.collapse) against a NumPy derivation written from its
formulas, batched equal to whole, and its flag on synthetic collapsed and healthy predictions."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dalearn.validators import available
from dalearn.validators.collapse import (
    MAX_TOP_SHARE_RATIO,
    MIN_ENTROPY_RATIO,
    MIN_KAPPA,
    CollapseCheck,
    collapse_diagnostics,
)

TOL = dict(rel=1e-9, abs=1e-12)


def numpy_diagnostics(p: np.ndarray, source: np.ndarray | None, reference: np.ndarray | None) -> dict:
    """H(p̄)/H(π), the largest predicted class's share (and over max π), agreement, from scratch."""
    n, c = p.shape
    prior = np.bincount(source, minlength=c) / len(source) if source is not None else np.full(c, 1.0 / c)

    def h(q):
        q = q[q > 0]
        return float(-(q * np.log(q)).sum())

    counts = np.bincount(p.argmax(axis=1), minlength=c)
    out = {
        "mean_entropy_ratio": h(p.mean(axis=0)) / h(prior),
        "top_share": counts.max() / n,
        "top_class": float(np.argmax(counts)),
        "top_share_ratio": counts.max() / n / prior.max(),
    }
    if reference is not None:
        ours, theirs = p.argmax(axis=1), reference.argmax(axis=1)
        observed = float(np.mean(ours == theirs))
        expected = sum(np.mean(ours == k) * np.mean(theirs == k) for k in range(c))
        out["agreement"] = observed
        out["kappa"] = (observed - expected) / (1 - expected)
    return out


def random_probs(n: int, c: int, seed: int, sharpness: float = 3.0) -> torch.Tensor:
    logits = sharpness * torch.randn(n, c, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    return logits.softmax(dim=1)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("with_source,with_reference", [(True, True), (False, False), (True, False)])
def test_diagnostics_match_numpy(seed, with_source, with_reference):
    probs = random_probs(200, 7, seed)
    source = torch.randint(0, 7, (90,), generator=torch.Generator().manual_seed(10 + seed))
    reference = random_probs(200, 7, 20 + seed)
    expected = numpy_diagnostics(
        probs.numpy(), source.numpy() if with_source else None, reference.numpy() if with_reference else None
    )
    got = collapse_diagnostics(probs, source if with_source else None, reference if with_reference else None)
    assert set(got) == set(expected) | {"flag"}
    for key, value in expected.items():
        assert float(got[key]) == pytest.approx(value, **TOL), key


@pytest.mark.parametrize("seed", [0, 1])
def test_metric_over_batches_equals_the_function(seed):
    probs, reference = random_probs(301, 5, seed), random_probs(301, 5, seed + 5)
    source = torch.randint(0, 5, (64,), generator=torch.Generator().manual_seed(seed))
    check = CollapseCheck(num_classes=5)
    check.update(source_labels=source[:30])
    for start in range(0, 301, 64):
        rows = slice(start, start + 64)
        check.update(target_probs=probs[rows].float())  # the harness's order: the model's rows,
        check.update(reference_probs=reference[rows].float())  # then the reference's for the same batch
    check.update(source_labels=source[30:])
    whole = collapse_diagnostics(probs, source, reference)
    batched = check.compute()
    assert set(batched) == set(whole)
    for key in whole:
        assert float(batched[key]) == pytest.approx(float(whole[key]), rel=1e-6, abs=1e-9), key
    check.reset()
    check.update(target_probs=probs)
    assert "agreement" not in check.compute()


def collapsed(n: int = 500, c: int = 10, share: float = 0.85, seed: int = 0) -> torch.Tensor:
    """Confident predictions, ``share`` of them on class 3, the rest spread."""
    g = torch.Generator().manual_seed(seed)
    classes = torch.where(torch.rand(n, generator=g) < share, 3, torch.randint(0, c, (n,), generator=g))
    return torch.nn.functional.one_hot(classes, c).double() * 0.95 + 0.05 / c


def healthy(n: int = 500, c: int = 10, seed: int = 0) -> torch.Tensor:
    """Confident predictions of a balanced target, 20 % of them on a wrong but random class."""
    g = torch.Generator().manual_seed(seed)
    classes = torch.arange(n) % c
    wrong = torch.rand(n, generator=g) < 0.2
    classes = torch.where(wrong, torch.randint(0, c, (n,), generator=g), classes)
    return torch.nn.functional.one_hot(classes, c).double() * 0.9 + 0.1 / c


def test_collapsed_predictions_are_flagged_and_healthy_ones_not():
    source = torch.arange(300) % 10
    assert float(collapse_diagnostics(collapsed(), source)["flag"]) == 1.0
    assert float(collapse_diagnostics(healthy(), source)["flag"]) == 0.0


def test_each_threshold_flags_on_its_own():
    source = torch.arange(300) % 10
    half = collapsed(share=0.7)  # ~73 % on one class: 7.3× the largest source class, entropy ratio still ~0.5
    d = collapse_diagnostics(half, source)
    assert float(d["mean_entropy_ratio"]) > MIN_ENTROPY_RATIO and float(d["top_share_ratio"]) > MAX_TOP_SHARE_RATIO
    assert float(d["flag"]) == 1.0
    assert float(collapse_diagnostics(half, source, max_top_share_ratio=10.0)["flag"]) == 0.0
    # a healthy-looking distribution that disagrees with the reference everywhere: negative transfer
    probs = healthy()
    shifted = probs.roll(1, dims=1)
    d = collapse_diagnostics(probs, source, reference_probs=shifted)
    assert float(d["kappa"]) < MIN_KAPPA and float(d["flag"]) == 1.0
    same = collapse_diagnostics(probs, source, reference_probs=probs)
    assert float(same["kappa"]) == pytest.approx(1.0) and float(same["flag"]) == 0.0
    # one class for every image: chance agreement whatever the class, kappa 0
    one = torch.nn.functional.one_hot(torch.full((500,), 4), 10).double()
    assert float(collapse_diagnostics(one, source, reference_probs=probs)["kappa"]) == pytest.approx(0.0, abs=1e-12)


def test_imbalanced_source_prior_raises_the_allowed_share():
    """A target predicted like an imbalanced source (half its labels class 0) is not flagged."""
    c = 10
    source = torch.cat([torch.zeros(150, dtype=torch.long), torch.arange(150) % c])
    classes = torch.cat([torch.zeros(375, dtype=torch.long), torch.arange(125) % c])
    probs = torch.nn.functional.one_hot(classes, c).double()
    d = collapse_diagnostics(probs, source)
    assert float(d["top_share_ratio"]) == pytest.approx((375 + 13) / 500 / ((150 + 15) / 300))
    assert float(d["flag"]) == 0.0
    assert float(collapse_diagnostics(probs)["flag"]) == 1.0  # against a uniform prior it would be


def test_errors_name_the_input():
    check = CollapseCheck(num_classes=3)
    with pytest.raises(ValueError, match="before any target rows"):
        check.compute()
    with pytest.raises(ValueError, match="reference rows given but only 0 target rows"):
        check.update(reference_probs=torch.eye(3))
    check.update(target_probs=torch.eye(3))
    check.update(target_probs=torch.eye(3))
    check.update(reference_probs=torch.eye(3))
    with pytest.raises(ValueError, match="reference rows were given for 3 of 6 target rows"):
        check.compute()
    with pytest.raises(ValueError, match="probability rows"):
        CollapseCheck(num_classes=3).update(target_probs=torch.randn(4, 3))
    with pytest.raises(ValueError, match="min_kappa"):
        CollapseCheck(num_classes=3, min_kappa=2.0)
    with pytest.raises(ValueError, match="num_classes"):
        CollapseCheck(num_classes=1)


def test_not_a_selection_rule():
    """It flags epochs; it does not rank them, so the validator registry does not list it."""
    assert "collapse" not in available() and not any(cls is CollapseCheck for cls in available().values())
