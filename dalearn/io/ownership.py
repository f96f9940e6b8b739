"""Ownership markers: dalearn deletes and overwrites only what it made.

Every folder dalearn creates to fill — a run directory, an analysis folder, a decoded-image
cache folder, a drift output — holds a marker file, :data:`MARKER` (``.dalearn-owner.json``),
saying which kind of folder it is (``run``, ``analysis``, ``cache``, ``drift``) and, for a run
directory, the run's hash. Before dalearn clears or replaces anything in a folder
(``overwrite=true``, an unfinished earlier attempt, ``dalearn-analyze --out``, rebuilding a
cache, ``dalearn-drift overwrite=true``) it calls :func:`claim`, which accepts the folder only
when

- it does not exist yet, or is empty (apart from what the command itself has put there
  before, e.g. Hydra's ``.hydra/``): it is created and marked;
- it carries dalearn's marker for the same kind (and the same run hash);
- it is a folder an earlier dalearn version made, before markers existed: a predicate of the
  caller's recognises it by what it holds (the ``legacy`` argument), and it is marked.

Anything else raises :class:`ForeignFolderError` naming the folder, what it holds and what to
do, before any work. :func:`replace_directory` swaps a finished staging folder in for an owned
one (moved aside, renamed in, old one removed), tolerating a second process doing the same.
:func:`path_part` refuses a config value that would leave the folder it names a part of.
"""

from __future__ import annotations

import errno
import json
import os
import random
import stat
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

from dalearn.io.atomic import atomic_write_json, directory_mode, discard_temporary, temporary_sibling

MARKER = ".dalearn-owner.json"
KINDS = ("run", "analysis", "cache", "drift", "tables", "selection")
#: how often :func:`claim` looks again at a folder another dalearn process is replacing
ATTEMPTS = 20


class ForeignFolderError(PermissionError):
    """A folder dalearn would write into or clear, but did not make."""


def marker_body(kind: str, **identity: Any) -> dict[str, Any]:
    """What :data:`MARKER` holds: the kind, its identity (``run_hash``), when, by which version."""
    if kind not in KINDS:
        raise ValueError(f"unknown folder kind {kind!r}; expected one of {KINDS}")
    from dalearn import __version__

    return {"kind": kind, **identity, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "dalearn": __version__}


def write_marker(folder: str | os.PathLike, kind: str, **identity: Any) -> Path:
    """Mark ``folder`` (created if needed, with the umask's mode) as dalearn's ``kind``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_json(folder / MARKER, marker_body(kind, **identity))
    return folder / MARKER


def read_marker(folder: str | os.PathLike) -> Optional[dict[str, Any]]:
    """The marker of ``folder`` as a dict, or None when there is none (or it is unreadable)."""
    try:
        body = json.loads((Path(folder) / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return body if isinstance(body, dict) else None


def _matches(body: Optional[dict[str, Any]], kind: str, identity: dict[str, Any]) -> bool:
    return body is not None and body.get("kind") == kind and all(body.get(k) == v for k, v in identity.items())


def owned(folder: str | os.PathLike, kind: str, **identity: Any) -> bool:
    """True when ``folder`` carries dalearn's marker for ``kind`` with the same ``identity``."""
    return _matches(read_marker(folder), kind, identity)


def _contents(folder: Path, ignore: Iterable[str]) -> list[str]:
    skip = {MARKER, *ignore}
    return sorted(entry.name for entry in folder.iterdir() if entry.name not in skip)


def _changed(before: os.stat_result, after: os.stat_result) -> bool:
    """Whether the path now names another folder, or the same one changed (its ctime moves
    with every entry added, removed or renamed): a listing taken in between may be partial."""
    return (before.st_dev, before.st_ino, before.st_ctime_ns) != (after.st_dev, after.st_ino, after.st_ctime_ns)


def claim(
    folder: str | os.PathLike,
    kind: str,
    advice: str,
    legacy: Optional[Callable[[Path], bool]] = None,
    ignore: Iterable[str] = (),
    create: bool = True,
    **identity: Any,
) -> Path:
    """Make sure dalearn may write and delete its own files in ``folder`` as a ``kind`` folder
    (see the module docstring); returns the folder. ``advice`` tells the user what to do
    instead (another folder name, the option that chooses it); ``ignore`` lists entries that
    do not make a folder foreign (what the command wrote there itself before this call);
    ``create=False`` leaves a missing folder missing (a writer that renames its own in)."""
    folder = Path(folder)
    what = f"a dalearn {kind} folder" + (f" ({', '.join(f'{k} {v}' for k, v in identity.items())})" if identity else "")
    stable = False
    for _ in range(ATTEMPTS):
        try:
            before = os.lstat(folder)
            if not stat.S_ISDIR(before.st_mode):
                raise ForeignFolderError(f"{folder} exists and is not a folder; dalearn will not replace it: {advice}")
            names = {entry.name for entry in folder.iterdir()}
            stable = not _changed(before, os.lstat(folder))
            if not stable:
                continue  # moved aside and emptied while listed: another dalearn process replaced it; look again
        except FileNotFoundError:  # missing (or moved away by another dalearn process this instant)
            if create:
                write_marker(folder, kind, **identity)
            return folder
        body = read_marker(folder) if MARKER in names else None
        if MARKER not in names or body is not None:
            break
        # the marker was listed but is gone: another dalearn process is replacing the folder; look again
    if not stable:
        raise ForeignFolderError(
            f"{folder} kept changing while dalearn read it ({ATTEMPTS} looks): another process is writing there; "
            f"run one command at a time on it, or {advice}"
        )
    if body is not None:
        if _matches(body, kind, identity):
            return folder
        found = f"{body.get('kind')} folder" + (f" of run {body['run_hash']}" if body.get("run_hash") else "")
        raise ForeignFolderError(
            f"{folder} is a dalearn {found} (its {MARKER} says so), not {what}; dalearn will not write into it or "
            f"delete anything there: {advice}"
        )
    contents = sorted(names - {MARKER, *ignore})
    if not contents or (legacy is not None and legacy(folder)):
        write_marker(folder, kind, **identity)
        return folder
    shown = ", ".join(contents[:5]) + (f" and {len(contents) - 5} more" if len(contents) > 5 else "")
    raise ForeignFolderError(
        f"{folder} already holds files dalearn did not write ({shown}), and no {MARKER}: it is not {what}, so "
        f"dalearn will not write into it or delete anything there: {advice}"
    )


def only_names(allowed: Iterable[str], patterns: Iterable[str] = ()) -> Callable[[Path], bool]:
    """A ``legacy`` predicate for :func:`claim`: the folder holds nothing but entries named in
    ``allowed`` or ending with one of ``patterns`` (e.g. ``.dlcache``), and at least one."""
    allowed, patterns = set(allowed), tuple(patterns)

    def check(folder: Path) -> bool:
        names = _contents(folder, ())
        return bool(names) and all(name in allowed or name.endswith(patterns) for name in names)

    return check


def replace_directory(staging: Path, destination: Path, kind: str, advice: str, attempts: int = 50) -> Path:
    """Put the finished folder ``staging`` (a :func:`~dalearn.io.atomic.temporary_sibling`,
    already holding its marker) at ``destination``, which must be missing, empty or owned (
    :func:`claim` is asked again just before the swap). An owned old folder is moved aside,
    ``staging`` renamed in, the old one removed. When another process puts its own folder there
    in between (two commands on the same output), the swap is tried again after a short random
    pause, up to ``attempts`` times, instead of failing with ``ENOTEMPTY`` (Errno 39); the last
    finished output wins."""
    os.chmod(staging, directory_mode())
    for _ in range(attempts):
        claim(destination, kind, advice, create=False)
        old = None
        if destination.exists():
            old = temporary_sibling(destination, directory=True)
            try:
                os.replace(destination, old)
            except FileNotFoundError:
                old.rmdir()
                old = None
            except OSError as error:
                old.rmdir()
                if error.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                    raise
                time.sleep(random.uniform(0, 0.01))
                continue
        try:
            os.rename(staging, destination)
        except OSError as error:
            if error.errno in (errno.ENOTEMPTY, errno.EEXIST):
                if old is not None:
                    discard_temporary(old)
                time.sleep(random.uniform(0, 0.01))  # let the other writer finish its swap
                continue
            if old is not None:
                os.rename(old, destination)
            raise
        if old is not None:
            discard_temporary(old)
        return destination
    raise ForeignFolderError(
        f"could not put the output at {destination}: other processes kept replacing it ({attempts} tries); "
        f"run one command at a time on the same output folder"
    )


def path_part(value: Any, key: str) -> str:
    """``value`` as one folder name of a path dalearn builds from the config (``data.name``,
    ``method.name``, a task); refused when it holds a path separator, is ``.``/``..``, is
    absolute or empty — a name must not lead out of the folder it is a part of."""
    text = str(value)
    if (
        not text.strip()
        or text in (".", "..")
        or any(separator in text for separator in ("/", "\\", "\0", os.sep, os.altsep or "/"))
        or os.path.isabs(text)
    ):
        raise ValueError(
            f"{key}={text!r} cannot be a folder name in the run's path: it must not be empty, '.' or '..', or hold "
            f"a slash or a backslash. Give {key} a plain name such as dann or office31_A2W"
        )
    return text
