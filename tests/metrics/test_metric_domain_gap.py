"""DomainGap: summaries that merge exactly and save, distances against NumPy/SciPy."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from metrics_reference import fid as fid_reference
from metrics_reference import kl_diag, wasserstein_exact

from dalearn.metrics import DomainGap, DomainGapSummary, domain_gap, fid, klmvn_diag, mmd_linear, wasserstein_1d
from dalearn.metrics.wasserstein_sketch import merge_sketches, sketch_batch


def _seed_data(dims: int = 64, n: int = 2000):
    """The comparison data of the design notes: N(0, 1) vs N(0.3, 1.2²), float64."""
    g = torch.Generator().manual_seed(0)
    source = torch.randn(n, dims, generator=g, dtype=torch.float64)
    target = 0.3 + 1.2 * torch.randn(n, dims, generator=g, dtype=torch.float64)
    return source, target


def _stream(x: torch.Tensor, batch: int, **options) -> DomainGap:
    metric = DomainGap(**options)
    for start in range(0, x.size(0), batch):
        metric.update(x[start : start + batch])
    return metric


def test_kl_linear_mmd_and_fid_match_numpy_while_streaming():
    source, target = _seed_data()
    s, t = _stream(source, 128, fid=True), _stream(target, 300, fid=True)
    sn, tn = source.numpy(), target.numpy()
    assert klmvn_diag(s, t).item() == pytest.approx(kl_diag(sn, tn), rel=1e-8)
    assert klmvn_diag(s, t, direction="target||source").item() == pytest.approx(kl_diag(tn, sn), rel=1e-8)
    assert klmvn_diag(s, t).item() != pytest.approx(klmvn_diag(t, s).item(), rel=0.05)
    assert mmd_linear(s, t).item() == pytest.approx(float(((sn.mean(0) - tn.mean(0)) ** 2).sum()), rel=1e-8)
    assert fid(s, t).item() == pytest.approx(fid_reference(sn, tn), rel=1e-8)


def test_fid_of_correlated_features_matches_scipy():
    g = torch.Generator().manual_seed(1)
    mix_s, mix_t = (
        torch.randn(12, 12, generator=g, dtype=torch.float64),
        torch.randn(12, 12, generator=g, dtype=torch.float64),
    )
    source = torch.randn(500, 12, generator=g, dtype=torch.float64) @ mix_s
    target = torch.randn(400, 12, generator=g, dtype=torch.float64) @ mix_t + 1.0
    value = fid(DomainGapSummary.from_tensor(source, fid=True), DomainGapSummary.from_tensor(target, fid=True))
    assert value.item() == pytest.approx(fid_reference(source.numpy(), target.numpy()), rel=1e-8)


@pytest.mark.parametrize("dims", [pytest.param(64, marks=pytest.mark.slow), 3, 1])
def test_wasserstein_within_one_percent_of_exact_while_streaming(dims):
    source, target = _seed_data(dims)
    s = _stream(source, 97, wasserstein=True)
    t = _stream(target, 256, wasserstein=True)
    exact = wasserstein_exact(source.numpy(), target.numpy())
    assert wasserstein_1d(s, t).item() == pytest.approx(exact, rel=0.01)
    per_dim = wasserstein_1d(s, t, reduction="none")
    assert per_dim.shape == (dims,)


@pytest.mark.parametrize("scale,offset", [(100.0, 0.0), (1.0, 40.0), (1e-4, 0.0)])
def test_wasserstein_has_no_fixed_range(scale, offset):
    g = torch.Generator().manual_seed(2)
    source = offset + scale * torch.randn(1500, 4, generator=g, dtype=torch.float64)
    target = offset + scale * (0.5 + torch.randn(1500, 4, generator=g, dtype=torch.float64).exp())
    value = wasserstein_1d(
        DomainGapSummary.from_tensor(source, wasserstein=True), DomainGapSummary.from_tensor(target, wasserstein=True)
    )
    assert value.item() == pytest.approx(wasserstein_exact(source.numpy(), target.numpy()), rel=0.01)


def test_sketch_merge_is_exact_and_order_free():
    x = torch.randn(1000, 6, dtype=torch.float64) * torch.tensor([1.0, 10.0, 0.01, 1e3, 1.0, 1.0])
    x[:, 4] = x[:, 4].abs()
    x[:, 5] = 0.0
    whole = sketch_batch(x, 7, 16)
    perm = torch.randperm(1000)
    parts = [sketch_batch(x[perm[i : i + 77]], 7, 16) for i in range(0, 1000, 77)]
    assert torch.equal(merge_sketches(torch.stack(parts)), whole)
    pairwise = parts[0]
    for part in parts[1:]:
        pairwise = merge_sketches(torch.stack([part, pairwise]))
    assert torch.equal(pairwise, whole)
    assert whole[:, 2:].sum(dim=1).tolist() == [1000.0] * 6


def test_summaries_merge_like_one_pass():
    source, _ = _seed_data(8, 600)
    one = DomainGapSummary.from_tensor(source, fid=True, wasserstein=True)
    merged = DomainGapSummary.from_tensor(source[:250], fid=True, wasserstein=True) + DomainGapSummary.from_tensor(
        source[250:], fid=True, wasserstein=True
    )
    assert merged.count.item() == 600
    for name in ("sum", "sum_sq", "sum_outer"):
        torch.testing.assert_close(getattr(merged, name), getattr(one, name), rtol=1e-13, atol=1e-12)
    assert torch.equal(merged.sketch, one.sketch)
    a, b = _stream(source[:250], 50, fid=True, wasserstein=True), _stream(source[250:], 50, fid=True, wasserstein=True)
    a.merge_state(b)
    assert torch.equal(a.compute().sketch, one.sketch)
    torch.testing.assert_close(a.compute().sum_outer, one.sum_outer, rtol=1e-13, atol=1e-12)


def test_forward_returns_the_batch_summary_and_accumulates():
    source, _ = _seed_data(5, 300)
    metric = DomainGap(wasserstein=True)
    batch = metric(source[:100])
    metric(source[100:])
    assert batch.count.item() == 100
    torch.testing.assert_close(metric.compute().sum, source.sum(0), rtol=1e-13, atol=1e-12)
    assert torch.equal(metric.compute().sketch, sketch_batch(source, 7, 16))


def test_num_features_preallocates():
    metric = DomainGap(fid=True, wasserstein=True, num_features=3)
    assert metric.sum.shape == (3,) and metric.sum_outer.shape == (3, 3)
    with pytest.raises(ValueError, match="feature dimension mismatch: x has 4 features"):
        metric.update(torch.randn(5, 4))


def test_domain_gap_dispatch():
    source, target = _seed_data(4, 200)
    s = DomainGapSummary.from_tensor(source, fid=True, wasserstein=True)
    t = DomainGapSummary.from_tensor(target, fid=True)
    assert sorted(domain_gap(s, t)) == ["fid", "klmvn_diag", "mmd_linear"]
    assert domain_gap(s, t, "fid").item() == pytest.approx(fid(s, t).item(), rel=1e-15)
    assert sorted(domain_gap(s, t, ["mmd_linear"])) == ["mmd_linear"]
    with pytest.raises(ValueError, match="unknown domain-gap metric 'kl'"):
        domain_gap(s, t, "kl")
    with pytest.raises(ValueError, match="target summary has no Wasserstein sketch"):
        wasserstein_1d(s, t)
    with pytest.raises(ValueError, match="no Σxxᵀ; build it with fid=True"):
        fid(DomainGapSummary.from_tensor(source), t)
    with pytest.raises(ValueError, match="direction must be one of"):
        klmvn_diag(s, t, direction="forward")
    with pytest.raises(ValueError, match="feature dimension mismatch between summaries: 4 and 3"):
        mmd_linear(s, DomainGapSummary.from_tensor(target[:, :3]))
    with pytest.raises(ValueError, match="summary is empty"):
        mmd_linear(s, DomainGapSummary.empty(4))


def test_save_and_load_round_trip(tmp_path):
    source, target = _seed_data(6, 300)
    metric = _stream(source, 64, fid=True, wasserstein=True)
    path = tmp_path / "clean.pt"
    metric.save(path)
    loaded = DomainGapSummary.load(path)
    t = DomainGapSummary.from_tensor(target, fid=True, wasserstein=True)
    for name in ("klmvn_diag", "mmd_linear", "fid", "wasserstein_1d"):
        assert domain_gap(loaded, t, name).item() == domain_gap(metric, t, name).item()
    restored = DomainGap(fid=True, wasserstein=True)
    restored.load(path)
    restored.update(target)
    assert restored.compute().count.item() == 600


def test_load_rejects_other_files(tmp_path):
    summary = DomainGapSummary.from_tensor(torch.randn(20, 3), fid=True)
    other_metric = tmp_path / "other.pt"
    torch.save({"format": "dalearn.metrics.SomethingElse", "version": 1}, other_metric)
    with pytest.raises(
        ValueError, match="other.pt is not a DomainGap summary: format is 'dalearn.metrics.SomethingElse'"
    ):
        DomainGapSummary.load(other_metric)
    newer = tmp_path / "newer.pt"
    state = summary.state_dict()
    state["version"] = 99
    torch.save(state, newer)
    with pytest.raises(ValueError, match="newer.pt is a DomainGap summary of version 99"):
        DomainGapSummary.load(newer)
    text = tmp_path / "notes.txt"
    text.write_text("count,sum\n1,2\n")
    with pytest.raises(ValueError, match="notes.txt is not a DomainGap summary file"):
        DomainGapSummary.load(text)
    corrupt = tmp_path / "corrupt.pt"
    state = summary.state_dict()
    state["sum_outer"] = torch.zeros(2, 2, dtype=torch.float64)
    torch.save(state, corrupt)
    with pytest.raises(ValueError, match="entry 'sum_outer' has shape \\(2, 2\\)"):
        DomainGapSummary.load(corrupt)
    path = tmp_path / "plain.pt"
    summary.save(path)
    with pytest.raises(ValueError, match="fid=True, wasserstein=False; this DomainGap has fid=False"):
        DomainGap().load(path)


def test_sketch_rejects_values_beyond_float32_and_leaves_the_summary_unchanged():
    metric = DomainGap(fid=True, wasserstein=True)
    metric.update(torch.tensor([[1.0], [2.0]], dtype=torch.float64))
    before = {name: value.clone() for name, value in metric.metric_state.items()}
    with pytest.raises(ValueError, match="beyond the float32 range"):
        metric.update(torch.tensor([[3.0], [1e39]], dtype=torch.float64))
    for name, value in metric.metric_state.items():
        torch.testing.assert_close(value, before[name], rtol=0, atol=0, msg=name)


def test_float32_input_is_summarised_in_float64():
    x = torch.full((1000, 2), 0.1, dtype=torch.float32)
    summary = DomainGapSummary.from_tensor(x)
    assert summary.sum.dtype == torch.float64
    assert summary.sum[0].item() == pytest.approx(1000 * float(np.float32(0.1)), rel=1e-15)
