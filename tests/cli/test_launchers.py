"""Sweeps through the real ``dalearn-train`` command with Hydra's launchers, on tiny runs
(``debug=fast``, the offline digits data): joblib (parallel local processes), the basic
launcher, submitit_local (the local twin of submitit_slurm). Checked: every run lands in
its deterministic directory; relaunching skips finished runs without touching their files
and reruns incomplete ones, whatever launcher either launch used; a failing job neither stops
nor corrupts the others, and the sweep exits non-zero; dalearn-collect tabulates the result
(called in-process: its own command line is covered by the other tests of this folder).
The ``slurm_gpu`` preset (submitit_slurm) is run against stand-in ``srun``/``sbatch``
commands, up to the job script it submits.

A job fails on purpose with ``data.task=clean2bogus`` (an unknown domain: composition
succeeds, the job raises when it builds its data).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Optional

import pytest

from dalearn.cli.collect import main as collect
from tests.conftest import console_script

FAST = ["debug=fast", "cpu_threads=1"]
RUN_FILES = ("config.yaml", "metrics.json", "done", "checkpoints/last.ckpt", "checkpoints/best.ckpt")


def launch(tool: str, *args: str, cwd: Path, env: Optional[dict] = None) -> subprocess.CompletedProcess:
    return subprocess.run([console_script(tool), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def run_dir(sweep: Path, task: str, method: str) -> Path:
    (path,) = (sweep / f"digits_{task}" / method).glob("seed0-*")
    return path


def mtimes(path: Path) -> dict[str, int]:
    return {name: (path / name).stat().st_mtime_ns for name in RUN_FILES}


@pytest.mark.slow
def test_relaunch_skips_finished_runs_reruns_incomplete_ones_and_survives_a_failing_job(tmp_path):
    sweep = tmp_path / "sweep"
    first = launch(
        "dalearn-train",
        "-m",
        *FAST,
        "method=source_only,dann",
        "data.task=clean2m",
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
        f"hydra.sweep.dir={sweep}",
        cwd=tmp_path,
    )
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    kept, redone = run_dir(sweep, "clean2m", "source_only"), run_dir(sweep, "clean2m", "dann")
    kept_before, redone_before = mtimes(kept), mtimes(redone)
    (redone / "done").unlink()

    second = launch(
        "dalearn-train",
        "-m",
        *FAST,
        "method=source_only,dann",
        "data.task=clean2bogus,clean2m",
        f"hydra.sweep.dir={sweep}",
        cwd=tmp_path,
    )
    output = second.stdout + second.stderr
    assert second.returncode != 0, output[-3000:]
    assert "unknown domain 'bogus'" in output
    assert output.count("this run already finished") == 1 and str(kept) in output
    assert f"an unfinished earlier attempt left {redone / 'checkpoints' / 'last.ckpt'}" in output
    assert mtimes(kept) == kept_before
    assert (redone / "done").is_file() and mtimes(redone)["metrics.json"] > redone_before["metrics.json"]
    for method in ("source_only", "dann"):
        failed = run_dir(sweep, "clean2bogus", method)
        assert not (failed / "done").exists() and not (failed / "metrics.json").exists()

    assert collect([str(sweep), "--quiet"]) == 0
    table = (sweep / "tables" / "oracle.md").read_text()
    assert "| Methods | paper | Avg | Digits → Digits-M | Digits → bogus |" in table
    assert "– (0/1: 1 incomplete)" in table and "incomplete: 1/2 tasks" in table


@pytest.mark.slow
def test_submitit_local_sweep_with_a_failing_job(tmp_path, capsys):
    sweep = tmp_path / "sweep"
    result = launch(
        "dalearn-train",
        "-m",
        *FAST,
        "method=source_only",
        "data.task=clean2bogus,clean2m",
        "hydra/launcher=submitit_local",
        f"hydra.sweep.dir={sweep}",
        cwd=tmp_path,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert "unknown domain 'bogus'" in output
    finished = run_dir(sweep, "clean2m", "source_only")
    assert (finished / "done").is_file() and (finished / "metrics.json").is_file()
    assert not (run_dir(sweep, "clean2bogus", "source_only") / "done").exists()
    job_logs = "".join(p.read_text() for p in (sweep / ".submitit").rglob("*_log.err"))  # [dalearn] lines: stderr
    assert f"results saved in {finished}" in job_logs

    assert collect([str(sweep), "--strict", "--quiet"]) == 1
    assert "offline: 2 runs expected, 1 finished, 1 incomplete, 0 missing" in capsys.readouterr().err


def _fake_slurm(folder: Path, capture: Path) -> dict[str, str]:
    """``srun`` and ``sbatch`` stand-ins: sbatch keeps the script it is given and refuses it,
    so the sweep stops right after submission, with the job script to inspect."""
    folder.mkdir()
    (folder / "srun").write_text("#!/bin/sh\nexit 0\n")
    refuse = 'echo "sbatch: error: no cluster here" >&2\nexit 1\n'
    (folder / "sbatch").write_text(f'#!/bin/sh\ncp "$1" "{capture}"\n{refuse}')
    for tool in ("srun", "sbatch"):
        (folder / tool).chmod(0o755)
    return {**os.environ, "PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}


@pytest.mark.slow
def test_slurm_gpu_preset_submits_one_array_task_per_run_with_one_rank_per_gpu(tmp_path):
    capture = tmp_path / "job.sh"
    env = _fake_slurm(tmp_path / "bin", capture)
    result = launch(
        "dalearn-train",
        "-m",
        "method=dann,mdd",
        "trainer=ddp",
        "hydra/launcher=slurm_gpu",
        "hydra.launcher.gpus_per_node=2",
        "hydra.launcher.partition=gpu",
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode != 0 and "no cluster here" in result.stdout + result.stderr
    script = capture.read_text()
    for line in (
        "--array=0-1",
        "--gpus-per-node=2",
        "--ntasks-per-node=2",
        "--nodes=1",
        "--time=1440",
        "--partition=gpu",
        "--cpus-per-task=8",
    ):
        assert f"#SBATCH {line}" in script, script
    assert "srun " in script
