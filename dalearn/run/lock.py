"""One process per run directory: :class:`RunLock` on ``<run_dir>/.lock``.

Two launches of the same command land in the same hashed directory. Without a lock the
second one would start over — deleting the live run's checkpoints — or resume from them,
and both would write ``metrics.json``. The lock is an exclusive ``flock`` on ``.lock``,
whose body records the holder (``{"pid", "host", "started"}``) for the refusal message.

Staleness: the kernel releases a ``flock`` when its holder exits or is killed, so a
directory whose holder died is free again without any clean-up. On a file system without
``flock`` (some network mounts) the body is the lock: it is stale when it names this host
and a process id that no longer runs; a holder on another host is refused, with the advice
to delete ``.lock`` once that process is gone.

Under DDP only the launching process (global rank 0) takes the lock; the other ranks are
part of the same run (see :func:`dalearn.run.training.train`).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import time
from pathlib import Path
from typing import Any, Optional

from dalearn.io.atomic import pid_alive

LOCK_NAME = ".lock"


class RunDirectoryBusy(RuntimeError):
    """Another live process holds the run directory."""


def _describe(holder: dict[str, Any]) -> str:
    if not holder:
        return "another process"
    return f"process {holder.get('pid')} on {holder.get('host')} (started {holder.get('started')})"


class RunLock:
    """Context manager holding ``<run_dir>/.lock`` exclusively; raises :class:`RunDirectoryBusy`."""

    def __init__(self, run_dir: str | Path) -> None:
        self.run_dir = Path(run_dir)
        self.path = self.run_dir / LOCK_NAME
        self._fd: Optional[int] = None
        self._flock = True

    def read_holder(self) -> dict[str, Any]:
        """The body of ``.lock`` ({} if empty or unreadable)."""
        try:
            return json.loads(self.path.read_text() or "{}")
        except (OSError, ValueError):
            return {}

    def _refuse(self, holder: dict[str, Any], extra: str = "") -> RunDirectoryBusy:
        return RunDirectoryBusy(
            f"the run directory {self.run_dir} is in use by {_describe(holder)}: the same configuration is "
            f"already training there. Wait for it to finish (a finished run is then skipped), stop it, or change "
            f"the configuration (e.g. seed=…) to start a different run{extra}"
        )

    def acquire(self) -> "RunLock":
        self.run_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise self._refuse(self.read_holder()) from None
        except OSError as error:
            if error.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
                os.close(fd)
                raise
            self._flock = False
            holder = self.read_holder()
            if holder and not self._stale(holder):
                os.close(fd)
                raise self._refuse(holder, f" (if that process is gone, delete {self.path})") from None
        self._fd = fd
        body = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.strftime("%Y-%m-%d %H:%M:%S")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(body).encode(), 0)
        return self

    @staticmethod
    def _stale(holder: dict[str, Any]) -> bool:
        if holder.get("host") != socket.gethostname():
            return False
        pid = holder.get("pid")
        return not (isinstance(pid, int) and pid_alive(pid))

    def release(self) -> None:
        if self._fd is None:
            return
        os.ftruncate(self._fd, 0)
        if self._flock:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> "RunLock":
        return self.acquire()

    def __exit__(self, *exc: Any) -> None:
        self.release()
