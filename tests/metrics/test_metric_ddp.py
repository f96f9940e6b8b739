"""Under DDP (2 processes, gloo, CPU) every metric equals the single-process value on the
same rows, although each process sees an interleaved, unequal share in several batches."""

from __future__ import annotations

import os

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from dalearn.metrics import (
    DomainAdversarialAccuracy,
    DomainGap,
    JointMaximumMeanDiscrepancy,
    MaximumMeanDiscrepancy,
    ProxyADistance,
)

WORLD = 2


def _data():
    g = torch.Generator().manual_seed(0)
    source = torch.randn(90, 6, generator=g, dtype=torch.float64)
    target = 0.4 + 1.2 * torch.randn(70, 6, generator=g, dtype=torch.float64)
    return source, target


def _discriminator() -> torch.nn.Module:
    layer = torch.nn.Linear(6, 1).double()
    with torch.no_grad():
        layer.weight.copy_(torch.linspace(-1, 1, 6).unsqueeze(0))
        layer.bias.fill_(0.1)
    return layer


def _metrics() -> dict:
    return {
        "mmd_biased": MaximumMeanDiscrepancy(estimator="biased", median_rows=40, block_size=16),
        "mmd_unbiased": MaximumMeanDiscrepancy(estimator="unbiased", median_rows=40, block_size=16),
        "mmd_linear": MaximumMeanDiscrepancy(estimator="linear", median_rows=40),
        "jmmd": JointMaximumMeanDiscrepancy(num_kernels=[3, 1], median_rows=40, block_size=16),
        "adversarial": DomainAdversarialAccuracy(_discriminator()),
        "pad": ProxyADistance(),
        "gap_source": DomainGap(fid=True, wasserstein=True),
        "gap_target": DomainGap(fid=True, wasserstein=True),
    }


def _feed(metrics: dict, source: torch.Tensor, target: torch.Tensor) -> dict:
    half_s, half_t = source.size(0) // 2, target.size(0) // 3
    for s, t in ((source[:half_s], target[:half_t]), (source[half_s:], target[half_t:])):
        for name, metric in metrics.items():
            if name == "jmmd":
                metric.update([s, s[:, :3].softmax(1)], [t, t[:, :3].softmax(1)])
            elif name == "gap_source":
                metric.update(s)
            elif name == "gap_target":
                metric.update(t)
            else:
                metric.update(s, t)
    out = {}
    for name, metric in metrics.items():
        value = metric.compute()
        if name.startswith("gap"):
            value = {"count": value.count, "sum": value.sum, "sum_outer": value.sum_outer, "sketch": value.sketch}
        out[name] = value
    return out


def _worker(rank: int, init_file: str, out_dir: str) -> None:
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=WORLD)
    try:
        source, target = _data()
        share_s = source[rank::WORLD]
        share_t = target[:30] if rank == 0 else target[30:]
        torch.save(_feed(_metrics(), share_s, share_t), os.path.join(out_dir, f"rank{rank}.pt"))
    finally:
        dist.destroy_process_group()


def _assert_close(got, expected, name):
    if isinstance(expected, dict):
        for key in expected:
            _assert_close(got[key], expected[key], f"{name}.{key}")
    elif name.endswith("sketch"):
        assert torch.equal(got, expected), name
    else:
        torch.testing.assert_close(got, expected, rtol=1e-10, atol=1e-12, msg=name)


@pytest.mark.slow
def test_ddp_equals_single_process(tmp_path):
    mp.spawn(_worker, args=(str(tmp_path / "init"), str(tmp_path)), nprocs=WORLD, join=True)
    source, target = _data()
    expected = _feed(_metrics(), source, target)
    for rank in range(WORLD):
        got = torch.load(tmp_path / f"rank{rank}.pt", weights_only=False)
        for name in expected:
            _assert_close(got[name], expected[name], f"rank{rank}.{name}")
