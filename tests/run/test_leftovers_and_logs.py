"""What a killed process leaves behind is cleaned by the next run on the same path, a
resumed run continues one log without the replayed rows, and third-party advertisements
stay out of the console."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import torch

from dalearn.io.ownership import write_marker
from dalearn.run.resolvers import run_hash
from dalearn.run.training import train
from tests.conftest import CLI_RUN, train_command


def killed_while_writing(code: str, cwd: Path) -> Path:
    """Run ``code`` (which must print the temporary path it created) in a process that then
    kills itself with SIGKILL; returns the temporary path it left."""
    script = (
        textwrap.dedent(code) + "\nimport os, signal, sys\nsys.stdout.flush()\nos.kill(os.getpid(), signal.SIGKILL)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True)
    assert result.returncode == -signal.SIGKILL, result.stderr[-2000:]
    left = Path(result.stdout.strip().splitlines()[-1])
    assert left.exists()
    return left


def test_a_checkpoint_temporary_left_by_sigkill_is_removed_by_the_next_run(train_cfg, tmp_path):
    cfg = train_cfg(name="killed")
    write_marker(cfg.paths.run_dir, "run", run_hash=run_hash(cfg))  # the killed run had made its directory
    checkpoints = Path(cfg.paths.run_dir) / "checkpoints"
    left = killed_while_writing(
        f"""
        from dalearn.io import atomic_path
        manager = atomic_path({str(checkpoints / "best.ckpt")!r})
        print(manager.__enter__())
        """,
        tmp_path,
    )
    train(cfg)
    assert not left.exists()
    assert [p.name for p in checkpoints.iterdir() if p.name.startswith(".")] == []


@pytest.mark.slow
def test_a_drift_output_temporary_left_by_sigkill_is_removed_by_the_next_run(tmp_path):
    from dalearn.drift.output import AtomicOutput

    destination = tmp_path / "drifted"
    left = killed_while_writing(
        f"""
        from pathlib import Path
        from dalearn.drift.output import AtomicOutput
        print(AtomicOutput(Path({str(destination)!r}), overwrite=False).temporary)
        """,
        tmp_path,
    )
    with AtomicOutput(destination, overwrite=False) as output:
        assert not left.exists()
        output.write_json("metadata.json", {"ok": True})
        output.commit()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["drifted"]


@pytest.mark.slow
def test_the_lightning_tip_advertisement_is_not_printed(tmp_path):
    # A process of its own: what reaches the console depends on the logging set-up of the
    # process, which earlier tests in a pytest worker would otherwise have changed.
    env = {key: value for key, value in os.environ.items() if key != "DALEARN_SHOW_TIPS"}
    shown = subprocess.run(
        [sys.executable, "-m", "dalearn.cli.train", "debug=fast", "cpu_threads=1", f"paths.output_root={tmp_path}"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    output = shown.stdout + shown.stderr
    assert "GPU available" in output, "Lightning's own messages should still reach the console"
    assert "💡" not in output and "pypi.org/project/litlogger" not in output


ARGS = [
    *CLI_RUN,
    "trainer.max_epochs=3",
    "data.iters_per_epoch=24",
    "data.batch_size=16",
    "+logger.flush_logs_every_n_steps=1",
]


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def max_step(path: Path) -> int:
    try:
        return max((int(row["step"]) for row in rows(path)), default=-1)
    except (OSError, ValueError, KeyError):
        return -1


@pytest.mark.slow
def test_a_resumed_run_continues_one_log_without_the_replayed_rows(tmp_path):
    def command(root: Path, *extra: str) -> list[str]:
        return train_command(root, *ARGS, *extra)

    subprocess.run(command(tmp_path / "a"), check=True, capture_output=True)
    (expected,) = (tmp_path / "a").glob("runs/*/*/*/logs/version_0/metrics.csv")

    killed = subprocess.Popen(command(tmp_path / "b"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline, step = time.time() + 300, None
    while time.time() < deadline and killed.poll() is None:
        last = list((tmp_path / "b").glob("runs/*/*/*/checkpoints/last.ckpt"))
        logged = list((tmp_path / "b").glob("runs/*/*/*/logs/version_0/metrics.csv"))
        if last and logged:
            step = torch.load(last[0], weights_only=True, map_location="cpu")["global_step"]
            if max_step(logged[0]) >= step + 2:
                break
        time.sleep(0.01)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    (run_dir,) = [p.parent.parent for p in (tmp_path / "b").glob("runs/*/*/*/checkpoints/last.ckpt")]
    step = torch.load(run_dir / "checkpoints" / "last.ckpt", weights_only=True)["global_step"]
    assert not (run_dir / "done").exists(), "the run finished before it could be killed"
    assert max_step(run_dir / "logs" / "version_0" / "metrics.csv") >= step, "no replayed rows to test with"

    resumed = subprocess.run(command(tmp_path / "b", "resume=true"), capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert sorted(p.name for p in (run_dir / "logs").iterdir()) == ["version_0"]
    assert rows(run_dir / "logs" / "version_0" / "metrics.csv") == rows(expected)


def test_collect_names_a_finished_run_whose_metrics_are_empty(train_cfg, tmp_path, capsys):
    from omegaconf import OmegaConf

    from dalearn.cli.collect import main

    run = tmp_path / "sweep" / "digits_clean2drift" / "dann" / "seed0-abc"
    run.mkdir(parents=True)
    (run / "config.yaml").write_text(OmegaConf.to_yaml(train_cfg(), resolve=True))
    (run / "metrics.json").write_text("{}\n")
    (run / "done").write_text("complete\n")
    assert main([str(tmp_path / "sweep")]) == 2
    error = capsys.readouterr().err
    assert f"{run / 'metrics.json'} holds no results" in error and f"remove {run / 'done'}" in error
