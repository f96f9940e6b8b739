"""One process per run directory: the same command launched twice does not run twice into
the same directory, the second launch names the holder and deletes nothing, and a lock
whose holder died is free again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from dalearn.run.lock import RunDirectoryBusy, RunLock
from tests.conftest import LONG_RUN, train_command, wait_for


def command(output_root: Path, *extra: str) -> list[str]:
    return train_command(output_root, *LONG_RUN, *extra)


@pytest.mark.slow
def test_a_second_process_on_the_same_run_directory_is_refused_and_deletes_nothing(tmp_path):
    first = subprocess.Popen(command(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        last = wait_for("runs/*/*/*/checkpoints/last.ckpt", tmp_path, first)
        run_dir = last.parent.parent
        assert json.loads((run_dir / ".lock").read_text())["pid"] == first.pid
        try:
            second = subprocess.run(command(tmp_path), capture_output=True, text=True, timeout=240)
        except subprocess.TimeoutExpired:
            raise AssertionError("the second process trained in the live run's directory") from None
        assert second.returncode != 0
        assert f"is in use by process {first.pid} on" in second.stderr
        assert "starting over" not in second.stdout + second.stderr
        assert first.poll() is None, "the first run was disturbed"
        assert last.is_file() and (run_dir / "checkpoints" / "best.ckpt").is_file()
        assert not (run_dir / "done").exists()
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    # the holder is dead: the kernel released its flock, the directory is free again
    with RunLock(run_dir) as lock:
        assert json.loads(lock.path.read_text())["pid"] == os.getpid()
    assert (run_dir / ".lock").read_text() == ""


def test_the_lock_refuses_a_second_holder_in_the_same_host_and_releases(tmp_path):
    with RunLock(tmp_path / "run"):
        with pytest.raises(RunDirectoryBusy, match=rf"in use by process {os.getpid()} on .*Wait for it to finish"):
            RunLock(tmp_path / "run").acquire()
    RunLock(tmp_path / "run").acquire().release()


def test_without_flock_a_dead_holder_is_stale_and_a_live_one_refused(tmp_path, monkeypatch):
    import errno
    import fcntl
    import socket

    def unsupported(fd, operation):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", unsupported)
    run = tmp_path / "run"
    run.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (run / ".lock").write_text(json.dumps({"pid": dead.pid, "host": socket.gethostname(), "started": "then"}))
    RunLock(run).acquire().release()
    (run / ".lock").write_text(json.dumps({"pid": os.getppid(), "host": socket.gethostname(), "started": "now"}))
    with pytest.raises(RunDirectoryBusy, match=rf"process {os.getppid()} .*delete .*\.lock"):
        RunLock(run).acquire()
    (run / ".lock").write_text(json.dumps({"pid": 1, "host": "another-host", "started": "now"}))
    with pytest.raises(RunDirectoryBusy, match="on another-host"):
        RunLock(run).acquire()
