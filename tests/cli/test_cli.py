"""The command line as a new user meets it: single runs, a multirun sweep, re-running a
finished run, and dalearn-eval — each says where its results went."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import console_script

FAST = ["debug=fast", "cpu_threads=1"]


def cli(tool: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    result = subprocess.run([console_script(tool), *args], cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


@pytest.mark.slow
def test_single_run_then_rerun_then_eval(tmp_path):
    first = cli("dalearn-train", *FAST, "method=cdan", cwd=tmp_path)
    assert "results saved in" in first.stderr  # the console: [dalearn] lines on standard error
    (metrics_path,) = tmp_path.glob("outputs/runs/digits_clean2drift/cdan/seed0-*/metrics.json")
    assert str(metrics_path.parent.resolve()) in first.stderr
    assert "target accuracy" in first.stderr and "source accuracy" in first.stderr

    again = cli("dalearn-train", *FAST, "method=cdan", cwd=tmp_path)
    assert "already finished" in again.stderr

    evaluated = cli("dalearn-eval", f"ckpt_path={metrics_path.parent / 'checkpoints' / 'last.ckpt'}", cwd=tmp_path)
    assert "written to" in evaluated.stderr
    results = json.loads((metrics_path.parent / "eval.json").read_text())["results"]
    assert results["val/tgt_acc"] == pytest.approx(json.loads(metrics_path.read_text())["history"][-1]["val/tgt_acc"])


@pytest.mark.slow
def test_multirun_sweep_over_methods_and_seeds(tmp_path):
    result = cli("dalearn-train", "-m", *FAST, "method=dann,mdd", "seed=0,1", cwd=tmp_path)
    runs = sorted(tmp_path.glob("outputs/multirun/digits_clean2drift/*/seed*/metrics.json"))
    assert [(p.parent.parent.name, p.parent.name.split("-")[0]) for p in runs] == [
        ("dann", "seed0"),
        ("dann", "seed1"),
        ("mdd", "seed0"),
        ("mdd", "seed1"),
    ]
    assert result.stderr.count("results saved in") == 4
