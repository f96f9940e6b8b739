"""MixVal on a toy model where the answer is known: 1-D images at 0 (class 0) and 1 (class 1),
mixed with λ = 0.55 to 0.45 or 0.55. A model whose boundary is at 0.5 reads every mix as its
dominant image's class (MixVal 1); one whose boundary is at 0.3 has the same pseudo-labels but
reads the class-0-dominated inter-cluster mixes (0.45) as class 1 — its inter-cluster ICE is the
share of class-1 anchors. A model that predicts one class has no inter-cluster probe (0)."""

from __future__ import annotations

import pytest
import torch

from dalearn.validators.mixval import inter_partners, intra_partners, mixval

IMAGES = torch.tensor([[0.0], [1.0], [0.0], [1.0], [1.0], [0.0], [1.0], [1.0]])  # 3 of class 0, 5 of class 1


def boundary(at):
    return lambda x: torch.cat([at - x, x - at], dim=1)


def test_a_boundary_in_the_middle_scores_one():
    model = boundary(0.5)
    result = mixval(model, IMAGES, model(IMAGES).softmax(dim=1))
    assert (result.intra, result.inter, result.score) == (1.0, 1.0, 1.0)
    assert (result.n_intra, result.n_inter) == (8, 8)


def test_a_boundary_next_to_one_class_loses_exactly_that_class_s_inter_probes():
    model = boundary(0.3)
    result = mixval(model, IMAGES, model(IMAGES).softmax(dim=1))
    assert result.intra == 1.0 and result.inter == pytest.approx(5 / 8)
    assert result.score == pytest.approx((1 + 5 / 8) / 2)


def test_a_model_of_one_class_has_no_inter_cluster_probe():
    model = lambda x: torch.cat([torch.ones_like(x), torch.zeros_like(x)], dim=1)
    result = mixval(model, IMAGES, model(IMAGES).softmax(dim=1))
    assert (result.intra, result.inter, result.n_inter) == (1.0, 0.0, 0)


def test_partners_are_in_the_same_cluster_or_another_and_never_the_anchor():
    labels = torch.tensor([0, 1, 2, 1, 0, 0, 2, 1, 1, 3])
    generator = torch.Generator().manual_seed(3)
    anchors, partners = intra_partners(labels, generator)
    assert sorted(anchors.tolist()) == [i for i in range(10) if i != 9]  # class 3 has one member
    assert bool((labels[anchors] == labels[partners]).all()) and bool((anchors != partners).all())
    anchors, partners = inter_partners(labels, generator)
    assert anchors.tolist() == list(range(10)) and bool((labels[anchors] != labels[partners]).all())


def test_lambda_must_let_the_anchor_dominate():
    with pytest.raises(ValueError, match=r"lam must lie in \(0.5, 1\)"):
        mixval(boundary(0.5), IMAGES, torch.full((8, 2), 0.5), lam=0.5)
