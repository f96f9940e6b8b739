"""The metrics run on the inputs' device and agree with the CPU values (skipped without CUDA)."""

from __future__ import annotations

import pytest
import torch

from dalearn.metrics import DomainGapSummary, MaximumMeanDiscrepancy, ProxyADistance, domain_gap

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")]


def _data():
    g = torch.Generator().manual_seed(0)
    return torch.randn(300, 8, generator=g, dtype=torch.float64), torch.randn(
        200, 8, generator=g, dtype=torch.float64
    ) + 0.3


@pytest.mark.parametrize("estimator", ["biased", "unbiased", "linear"])
def test_mmd_on_cuda_matches_cpu(estimator):
    s, t = _data()
    cpu, gpu = (
        MaximumMeanDiscrepancy(estimator=estimator, median_rows=64),
        MaximumMeanDiscrepancy(estimator=estimator, median_rows=64).cuda(),
    )
    cpu.update(s, t)
    gpu.update(s.cuda(), t.cuda())
    value = gpu.compute()
    assert value.is_cuda
    torch.testing.assert_close(value.cpu(), cpu.compute(), rtol=1e-10, atol=1e-12)


def test_domain_gap_and_pad_on_cuda_match_cpu():
    s, t = _data()
    on_cpu = domain_gap(DomainGapSummary.from_tensor(s, True, True), DomainGapSummary.from_tensor(t, True, True))
    on_gpu = domain_gap(
        DomainGapSummary.from_tensor(s.cuda(), True, True), DomainGapSummary.from_tensor(t.cuda(), True, True)
    )
    for name, value in on_gpu.items():
        assert value.is_cuda
        torch.testing.assert_close(value.cpu(), on_cpu[name], rtol=1e-9, atol=1e-12)
    pad = ProxyADistance().cuda()
    pad.update(s.cuda(), t.cuda())
    assert pad.compute().is_cuda
