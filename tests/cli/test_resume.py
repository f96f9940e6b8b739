"""A run killed mid-training and restarted with resume=true ends with exactly the
metrics.json of an uninterrupted run (CPU, fixed seed)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import CLI_RUN, train_command

ARGS = [*CLI_RUN, "trainer.max_epochs=5", "data.iters_per_epoch=6", "data.batch_size=16"]


def command(output_root: Path, *extra: str) -> list[str]:
    return train_command(output_root, *ARGS, *extra)


def run_dir(output_root: Path) -> Path:
    (metrics_or_ckpt,) = list(output_root.glob("runs/*/*/*/config.yaml")) or [None]
    assert metrics_or_ckpt is not None, f"no run directory under {output_root}"
    return metrics_or_ckpt.parent


@pytest.mark.slow
def test_resume_after_kill_gives_the_uninterrupted_metrics(tmp_path):
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    subprocess.run(command(tmp_path / "a"), check=True, env=env, capture_output=True)
    expected = json.loads((run_dir(tmp_path / "a") / "metrics.json").read_text())

    killed = subprocess.Popen(command(tmp_path / "b"), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while time.time() < deadline and not list((tmp_path / "b").glob("runs/*/*/*/checkpoints/last.ckpt")):
        time.sleep(0.02)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    interrupted = run_dir(tmp_path / "b")
    assert (interrupted / "checkpoints" / "last.ckpt").is_file()
    assert not (interrupted / "done").exists(), "the run finished before it could be killed"

    resumed = subprocess.run(command(tmp_path / "b", "resume=true"), env=env, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "resuming from" in resumed.stderr
    assert interrupted.name == run_dir(tmp_path / "a").name
    assert json.loads((interrupted / "metrics.json").read_text()) == expected
