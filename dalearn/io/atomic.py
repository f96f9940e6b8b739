"""Atomic writes: every file dalearn writes goes through here.

A file is written under a temporary name in its destination folder and renamed over the
destination when it is complete (``os.replace`` is atomic on POSIX file systems), so a
reader — or a run killed mid-write — sees the old file or the new one, never half of one.
A write that fails removes its temporary file.

Temporary names carry the writer's host and process id (``.<name>.<host>.<pid>.<random>.tmp``),
so that :func:`remove_stale_temporaries` can tell the leftovers of a process that was killed
(SIGKILL leaves them) from the files of a writer that is still alive, and delete only the former.

Permissions: what is published gets the mode ``open()`` / ``mkdir`` would give it — files
``0666 & ~umask``, folders ``0777 & ~umask`` (0644 / 0755 under the usual umask 022), so
results, checkpoints and caches on shared storage are readable by colleagues exactly when a
file the user wrote by hand would be. (``tempfile`` creates its files 0600 and folders 0700;
the mode is set before the rename.)
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import tempfile
from pathlib import Path
from typing import Any, Iterator

TEMP_SUFFIX = ".tmp"


def current_umask() -> int:
    """The process's umask, read without changing it where the system allows (Linux's
    ``/proc/self/status``); elsewhere set and restored at once."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode ``open(path, "w")`` gives a new file: ``0o666 & ~umask``."""
    return 0o666 & ~current_umask()


def directory_mode() -> int:
    """The mode ``os.mkdir`` gives a new folder: ``0o777 & ~umask``."""
    return 0o777 & ~current_umask()


def _host() -> str:
    return socket.gethostname().replace(".", "_") or "host"


def _temporary_prefix(path: Path) -> str:
    return f".{path.name}.{_host()}.{os.getpid()}."


def temporary_sibling(path: str | os.PathLike, directory: bool = False) -> Path:
    """Create and return an empty temporary file (or folder) beside ``path``, named so that
    :func:`remove_stale_temporaries` removes it once its process is gone. For writers that
    manage the final rename themselves."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if directory:
        folder = Path(tempfile.mkdtemp(dir=path.parent, prefix=_temporary_prefix(path), suffix=TEMP_SUFFIX))
        os.chmod(folder, directory_mode())
        return folder
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=_temporary_prefix(path), suffix=TEMP_SUFFIX)
    os.fchmod(fd, file_mode())
    os.close(fd)
    return Path(name)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on a clean exit it replaces ``path``.

    For writers that want a file name (``figure.savefig``, ``torch.save``, ``pyarrow``)::

        with atomic_path(out / "plot.png") as partial:
            figure.savefig(partial, format="png")
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_temporary_prefix(path), suffix=TEMP_SUFFIX)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as partial:
        partial.write_bytes(data)


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_path(path) as partial:
        partial.write_text(text, encoding="utf-8")


def atomic_write_json(path: str | os.PathLike, data: Any) -> None:
    """Write ``data`` as indented, key-sorted JSON (with a final newline) atomically."""
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``path``; on a clean exit it is renamed to
    ``path`` (which must not exist then, or be an empty folder). On failure it is removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=path.parent, prefix=_temporary_prefix(path), suffix=TEMP_SUFFIX))
    try:
        yield staging
        os.chmod(staging, directory_mode())
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()
        os.replace(staging, path)
    except BaseException:
        discard_temporary(staging)
        raise


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host (signal 0; a process of another user counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(folder: str | os.PathLike, destination: str | None = None) -> list[Path]:
    """Delete the temporary files and folders in ``folder`` that a writer of this host left
    behind and that no live process owns (the writer was killed). Returns what was removed.
    With ``destination`` (a file or folder name), only that destination's temporaries
    (``.<destination>.<host>.<pid>.<random>.tmp``).

    Temporaries of other hosts (a shared file system) are left alone: their owner cannot be
    checked from here.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    removed = []
    host = _host()
    for entry in folder.iterdir():
        name = entry.name
        if not (name.startswith(".") and name.endswith(TEMP_SUFFIX)):
            continue
        if destination is not None and not name.startswith(f".{destination}.{host}."):
            continue
        parts = name[: -len(TEMP_SUFFIX)].split(".")
        if len(parts) < 4 or parts[-3] != host or not parts[-2].isdigit():
            continue
        if pid_alive(int(parts[-2])):
            continue
        _delete(entry)
        removed.append(entry)
    return removed


def discard_temporary(path: str | os.PathLike) -> None:
    """Delete a temporary file or folder this process made (:func:`temporary_sibling`,
    :func:`atomic_directory`), if it is still there. Anything not named as one of this process's
    temporaries (``.<name>.<host>.<pid>.<random>.tmp``) is refused with a ValueError: the one
    way dalearn deletes a folder it did not just make is :mod:`dalearn.io.ownership`'s check."""
    path = Path(path)
    if not (
        path.name.startswith(".") and path.name.endswith(TEMP_SUFFIX) and f".{_host()}.{os.getpid()}." in path.name
    ):
        raise ValueError(f"{path} is not a temporary of this process; dalearn deletes only its own temporaries here")
    _delete(path)


def _delete(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
