"""benchmarks/gpu_throughput.py off the GPU: it refuses to run without CUDA (no made-up
numbers), counts the images of a training batch, and rewrites only its own section of a
shared results file."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch
from benchmark_scripts import load_benchmark, script_path

SCRIPT = script_path("gpu_throughput")


@pytest.mark.slow
@pytest.mark.skipif(torch.cuda.is_available(), reason="with a GPU the script would run the benchmark")
def test_without_cuda_it_stops_with_a_message(tmp_path):
    out = tmp_path / "RESULTS.md"
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out)], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 2
    assert "no CUDA device is visible" in result.stderr and "Nothing was measured" in result.stderr
    assert not out.exists()


def test_images_in_counts_every_image_tensor_of_a_batch():
    script = load_benchmark("gpu_throughput")
    images = torch.zeros(32, 3, 8, 8)
    batch = {"source": (images, torch.zeros(32, dtype=torch.long)), "target": images}
    assert script.images_in(batch) == 64


def test_write_section_replaces_its_own_section_and_keeps_the_rest(tmp_path):
    script = load_benchmark("gpu_throughput")
    results = tmp_path / "RESULTS.md"
    results.write_text("# Results\n\nOffline accuracy table.\n")
    script.write_section(results, f"{script.START}\nfirst\n{script.END}\n")
    script.write_section(results, f"{script.START}\nsecond\n{script.END}\n")
    text = results.read_text()
    assert text.startswith("# Results\n\nOffline accuracy table.\n")
    assert "second" in text and "first" not in text and text.count(script.START) == 1
