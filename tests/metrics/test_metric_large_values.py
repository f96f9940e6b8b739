"""Values whose float64 sums of squares overflow are refused with an error that says to
rescale them (instead of a wrong message or a silent nan/inf); float32 rows whose squared
distances only overflow float32 are computed in float64."""

from __future__ import annotations

import pytest
import torch

from dalearn.metrics import (
    DomainGap,
    DomainGapSummary,
    JointMaximumMeanDiscrepancy,
    MaximumMeanDiscrepancy,
    maximum_mean_discrepancy,
)

TOO_LARGE = r"too large for float64 sums.*Rescale the features"


def _rows(n, d, seed, dtype=torch.float64):
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=dtype)


@pytest.mark.parametrize("estimator", ["unbiased", "biased", "linear"])
def test_mmd_of_rows_near_1e170_says_rescale_not_identical_rows(estimator):
    s, t = _rows(40, 5, 0) * 1e170, _rows(30, 5, 1) * 1e170
    with pytest.raises(ValueError, match=TOO_LARGE) as error:
        maximum_mean_discrepancy(s, t, estimator=estimator)
    assert "identical rows" not in str(error.value)
    metric = MaximumMeanDiscrepancy(estimator=estimator)
    metric.update(s, t)
    with pytest.raises(ValueError, match="pooled rows are too large for float64 sums: their squared distances"):
        metric.compute()


def test_jmmd_names_the_layer_that_overflows():
    s, t = _rows(20, 4, 2), _rows(20, 4, 3)
    metric = JointMaximumMeanDiscrepancy(num_layers=2)
    metric.update([s, s.softmax(1)], [t * 1e170, t.softmax(1)])
    with pytest.raises(ValueError, match="layer 0 of the pooled rows are too large for float64 sums"):
        metric.compute()


def test_mmd_just_below_the_overflow_is_finite_and_scale_free():
    s, t = _rows(40, 5, 4), _rows(40, 5, 5) + 0.5
    value = maximum_mean_discrepancy(s, t).item()
    assert maximum_mean_discrepancy(s * 1e150, t * 1e150).item() == pytest.approx(value, rel=1e-10)


def test_float32_rows_whose_squares_overflow_float32_are_computed_in_float64():
    s, t = _rows(60, 8, 6, torch.float32) * 1e19, (_rows(60, 8, 7, torch.float32) + 0.5) * 1e19
    assert not torch.isfinite((s * s).sum(dim=1)).all()
    huge = maximum_mean_discrepancy(s, t).item()
    assert huge == pytest.approx(maximum_mean_discrepancy(s.double(), t.double()).item(), rel=1e-12)
    assert huge == pytest.approx(maximum_mean_discrepancy(s.double() / 1e19, t.double() / 1e19).item(), rel=1e-10)


@pytest.mark.parametrize("fid,wasserstein", [(False, False), (True, False), (True, True)])
def test_domain_gap_refuses_rows_whose_squares_overflow_and_keeps_its_state(fid, wasserstein):
    gap = DomainGap(fid=fid, wasserstein=wasserstein)
    gap.update(_rows(16, 4, 8))
    before = gap.summary()
    with pytest.raises(ValueError, match=r"x are too large for float64 sums: their squares \(Σx²"):
        gap.update(torch.full((8, 4), 1e170, dtype=torch.float64))
    after = gap.summary()
    assert torch.equal(after.count, before.count) and torch.equal(after.sum_sq, before.sum_sq)
    assert torch.equal(after.sum, before.sum)
    if fid:
        assert torch.equal(after.sum_outer, before.sum_outer)
    if wasserstein:
        assert torch.equal(after.sketch, before.sketch)
    assert torch.isfinite(gap.gap(DomainGapSummary.from_tensor(_rows(16, 4, 9), fid=fid))["mmd_linear"])


def test_domain_gap_refuses_squares_that_overflow_only_once_accumulated():
    summary = DomainGapSummary.from_tensor(torch.full((4, 2), 6e153, dtype=torch.float64))
    assert torch.isfinite(summary.sum_sq).all()
    with pytest.raises(ValueError, match=TOO_LARGE):
        summary.add_rows(torch.full((4, 2), 6e153, dtype=torch.float64))
    assert summary.count.item() == 4
    with pytest.raises(ValueError, match=TOO_LARGE):
        DomainGapSummary.from_tensor(torch.full((3, 2), -1e170, dtype=torch.float64))
