"""Every validator gives the same score whether its rows arrive in 1, 3 or 7 batches of
shuffled sizes; the stored-row validators that fit models (dev, devn, class_ami) also give
exactly the same score for the rows in any order."""

from __future__ import annotations

import pytest
import torch
from validators_reference import problem

from dalearn.validators import available, build_validator

SOURCE = ("source_features", "source_logits", "source_labels")
ORDER_FREE = ("dev", "devn", "class_ami")


def split_points(n: int, parts: int, g: torch.Generator) -> list[int]:
    """parts − 1 distinct random cut points in (0, n): uneven batch sizes."""
    return sorted(torch.randperm(n - 1, generator=g)[: parts - 1].add(1).tolist())


def feed(name: str, data: dict, parts: int, seed: int) -> float:
    """Feed source and target rows in ``parts`` batches each (random sizes), one update per
    batch with every input the validator declares, then compute."""
    validator = build_validator(name)
    g = torch.Generator().manual_seed(seed)
    source_cuts = [0, *split_points(len(data["source_labels"]), parts, g), len(data["source_labels"])]
    target_cuts = [0, *split_points(len(data["target_features"]), parts, g), len(data["target_features"])]
    for i in range(parts):
        batch = {}
        for key in validator.inputs:
            cuts = source_cuts if key in SOURCE else target_cuts
            batch[key] = data[key][cuts[i] : cuts[i + 1]]
        validator.update(**batch)
    return float(validator.compute())


@pytest.mark.parametrize("name", sorted(available()))
def test_batch_invariance(name):
    data = problem(11, n_source=45, n_target=64)
    one = feed(name, data, 1, seed=0)
    for parts, seed in ((3, 1), (7, 2), (7, 3)):
        assert feed(name, data, parts, seed) == pytest.approx(one, rel=1e-12, abs=1e-12), (name, parts)


@pytest.mark.parametrize("name", ORDER_FREE)
def test_row_order_does_not_change_fitted_scores(name):
    data = problem(12, n_source=45, n_target=64)
    g = torch.Generator().manual_seed(0)
    source, target = torch.randperm(45, generator=g), torch.randperm(64, generator=g)
    shuffled = {k: v[source] if k in SOURCE else v[target] for k, v in data.items()}
    assert feed(name, shuffled, 3, seed=5) == feed(name, data, 1, seed=0)


def test_source_and_target_may_come_in_separate_updates():
    data = problem(13)
    together = build_validator("dev")
    together.update(**{k: data[k] for k in together.inputs})
    apart = build_validator("dev")
    apart.update(target_features=data["target_features"][:30])
    apart.update(**{k: data[k] for k in SOURCE})
    apart.update(target_features=data["target_features"][30:])
    assert float(apart.compute()) == float(together.compute())


def test_reset_forgets_rows_and_class_count():
    data = problem(14)
    validator = build_validator("ima")
    validator.update(target_probs=data["target_probs"])
    first = float(validator.compute())
    validator.reset()
    validator.update(target_probs=torch.full((5, 7), 1 / 7))
    assert float(validator.compute()) == pytest.approx(0.0, abs=1e-12)
    validator.reset()
    validator.update(target_probs=data["target_probs"])
    assert float(validator.compute()) == first


def test_forward_gives_the_batch_value_and_accumulates():
    data = problem(15)
    validator = build_validator("bnm")
    first = validator(target_probs=data["target_probs"][:20])
    reference = build_validator("bnm")
    reference.update(target_probs=data["target_probs"][:20])
    assert float(first) == pytest.approx(float(reference.compute()), rel=1e-12)
    validator(target_probs=data["target_probs"][20:])
    whole = build_validator("bnm")
    whole.update(target_probs=data["target_probs"])
    assert float(validator.compute()) == pytest.approx(float(whole.compute()), rel=1e-12)
