"""benchmarks/gpu_throughput.py on its CPU paths (no GPU in the test environment): the Office-31
GPU-hours projection against a hand computation, and the whole script — variants with the
decoded-image cache, bf16, torch.compile, the loader rates, the projection — on a tiny model."""

from __future__ import annotations

import sys

import pytest
from benchmark_scripts import load_benchmark


@pytest.fixture(scope="module")
def gpu_throughput():
    yield load_benchmark("gpu_throughput", register=True)
    sys.modules.pop("gpu_throughput", None)


def test_projection_follows_the_published_budgets(gpu_throughput):
    rows = {row["method"]: row for row in gpu_throughput.office31_projection({"dann": 0.1, "mcd": 0.2}, 1000.0)}
    # Office-31 tasks A2W D2W W2D A2D D2A W2A evaluate W, W, D, D, A, A: 795+795+498+498+2817+2817 images
    target_images = 2 * (795 + 498 + 2817)
    dann = (3 * 6 * 20 * 1000 * 0.1 + 3 * 20 * target_images / 1000.0) / 3600
    mcd = (3 * 6 * 20 * 500 * 0.2 + 3 * 20 * target_images / 1000.0) / 3600
    assert rows["dann"]["hours"] == pytest.approx(dann, rel=1e-12)
    assert rows["mcd"]["hours"] == pytest.approx(mcd, rel=1e-12)
    assert (rows["dann"]["epochs"], rows["dann"]["iters"], rows["dann"]["runs"]) == (20, 1000, 18)


def test_without_a_gpu_it_stops_with_a_message(gpu_throughput, capsys, monkeypatch):
    monkeypatch.setattr(gpu_throughput.torch.cuda, "is_available", lambda: False)
    assert gpu_throughput.main(["--steps", "2"]) == 2
    assert "no CUDA device is visible" in capsys.readouterr().err


@pytest.mark.slow
def test_the_whole_script_runs_on_the_cpu(gpu_throughput, tmp_path, monkeypatch):
    out = tmp_path / "RESULTS.md"
    out.write_text("# results\n\nkept text\n")
    tiny = [
        "backbone=lenet",
        "data.num_workers=0",
        "data.batch_size=4",
        "data.eval_batch_size=8",
        "data.train_transform.size=32",
        "data.train_transform.resize=40",
        "data.eval_transform.size=32",
        "data.eval_transform.resize=40",
    ]
    argv = [
        "--cpu",
        "--steps",
        "2",
        "--warmup",
        "1",
        "--projection-steps",
        "2",
        "--eval-batches",
        "1",
        "--images-per-class",
        "1",
        "--sizes",
        "320x240",
        "--methods",
        "dann",
        "mcd",
        "--out",
        str(out),
        "--variants",
        "fp32, decode every epoch",
        "bf16, cached",
        "bf16, cached, torch.compile",
        *[item for override in tiny for item in ("--set", override)],
    ]
    monkeypatch.setattr(sys, "argv", ["gpu_throughput.py", *argv])
    assert gpu_throughput.main(argv) == 0
    text = out.read_text()
    assert text.startswith("# results\n\nkept text\n") and gpu_throughput.START in text
    for variant in ("fp32, decode every epoch", "bf16, cached", "bf16, cached, torch.compile"):
        assert f"| {variant} |" in text
    assert "training loaders alone (decoding" in text and "training loaders alone (cached" in text
    assert "Building the cache of both domains" in text
    assert "| dann | 20 × 1000 |" in text and "| mcd | 20 × 500 |" in text and "Whole table (36 runs)" in text
