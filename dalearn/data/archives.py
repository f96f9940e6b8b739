"""Read a downloaded zip or tar archive through, refuse unsafe members, extract it whole or not at all.

Every member name is checked before anything is written, for zip and tar alike: an absolute
path, a ``..`` component or a drive letter is refused — not re-rooted, as ``zipfile`` would
silently do — and so are tar links whose target lies outside the extraction folder, and
device files and FIFOs. The check does not depend on the Python version: Pythons before
3.10.12 / 3.11.4 (allowed by ``requires-python``) have no ``filter=`` argument to
``TarFile.extractall``; there the checked members are extracted without it, with permission
bits reduced as the ``data`` filter would (no set-uid/set-gid/sticky, no group/other write).
Where ``filter=`` exists the ``data`` filter runs as well, as a second line of defence.

The archive is extracted into a temporary folder beside the result
(``<root>/.<folder>.<host>.<pid>.<random>.tmp``) and only then renamed to ``<root>/<folder>``;
on any error or interruption the temporary folder is removed, and one a killed extraction left
is removed by the next.
"""

from __future__ import annotations

import inspect
import os
import posixpath
import re
import tarfile
import zipfile
from pathlib import Path
from typing import Iterator, Union

from dalearn.io import discard_temporary, progress, remove_stale_temporaries, temporary_sibling


class ArchiveError(RuntimeError):
    """An archive that is damaged, unsafe, or does not hold the expected folder."""


Member = Union[tarfile.TarInfo, zipfile.ZipInfo]
_DRIVE = re.compile(r"^[A-Za-z]:")


def unsafe_reason(name: str) -> str | None:
    """Why member ``name`` may not be extracted, or None when it stays inside the target."""
    normalized = name.replace("\\", "/")
    if normalized.startswith("/") or _DRIVE.match(normalized):
        return "absolute path"
    if ".." in normalized.split("/"):
        return "'..' component"
    if "\x00" in name:
        return "NUL byte in the name"
    return None


def _link_reason(member: tarfile.TarInfo) -> str | None:
    """Why a tar link member may not be extracted (its target would lie outside the folder)."""
    target = member.linkname.replace("\\", "/")
    if target.startswith("/") or _DRIVE.match(target):
        return f"link to the absolute path {member.linkname!r}"
    base = posixpath.dirname(member.name) if member.issym() else ""
    resolved = posixpath.normpath(posixpath.join(base, target))
    if resolved == ".." or resolved.startswith("../"):
        return f"link to {member.linkname!r}, outside the extraction folder"
    return None


def _check_tar_member(member: tarfile.TarInfo) -> str | None:
    reason = unsafe_reason(member.name)
    if reason is None and (member.issym() or member.islnk()):
        reason = _link_reason(member)
    if reason is None and not (member.isfile() or member.isdir() or member.issym() or member.islnk()):
        reason = "device file or FIFO"
    return reason


def _refuse(archive: Path, name: str, reason: str) -> ArchiveError:
    return ArchiveError(
        f"{archive} holds the member {name!r} ({reason}); refusing to extract it — the archive is not "
        f"the dataset's (delete it and download again, or fetch it from another source)"
    )


def _through_symlink(path: str, symlinks: set[str]) -> bool:
    """Whether ``path`` (relative, as written) passes through one of ``symlinks`` before its
    last component — a symlinked folder could lead anywhere, whatever the names say."""
    parts = [part for part in path.replace("\\", "/").split("/") if part not in ("", ".")]
    prefix = ""
    for part in parts[:-1]:
        prefix = posixpath.normpath(posixpath.join(prefix, part))
        if prefix in symlinks:
            return True
    return False


def _checked_tar_members(archive: Path, tarred: tarfile.TarFile) -> list[tarfile.TarInfo]:
    """All members of ``tarred``; raises :class:`ArchiveError` on the first unsafe one."""
    members = tarred.getmembers()
    symlinks = {posixpath.normpath(m.name) for m in members if m.issym()}
    for member in members:
        reason = _check_tar_member(member)
        if reason is None and _through_symlink(member.name, symlinks):
            reason = "inside a symlinked folder"
        if reason is None and member.issym():
            target = posixpath.join(posixpath.dirname(member.name), member.linkname)
            if _through_symlink(target, symlinks):
                reason = f"link to {member.linkname!r} through another link"
        if reason is None and member.islnk() and _through_symlink(member.linkname, symlinks):
            reason = f"hard link to {member.linkname!r} through a symlink"
        if reason is not None:
            raise _refuse(archive, member.name, reason)
    return members


def read_members(archive: Path) -> list[Member]:
    """The members of ``archive`` after reading it through completely (zip: every CRC), each
    checked with :func:`unsafe_reason`; raises :class:`ArchiveError` on the first problem."""
    if zipfile.is_zipfile(archive):
        try:
            with zipfile.ZipFile(archive) as zipped:
                broken = zipped.testzip()
                members = zipped.infolist()
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise ArchiveError(f"{archive} is a damaged zip archive: {error}") from None
        if broken is not None:
            raise ArchiveError(f"{archive} is corrupt (bad CRC in {broken})")
        for member in members:
            reason = unsafe_reason(member.filename)
            if reason is not None:
                raise _refuse(archive, member.filename, reason)
        return members
    try:
        is_tar = tarfile.is_tarfile(archive)
        if is_tar:
            with tarfile.open(archive) as tarred:
                return _checked_tar_members(archive, tarred)
    except (tarfile.TarError, EOFError, OSError) as error:
        raise ArchiveError(f"{archive} is a damaged tar archive: {error}") from None
    with open(archive, "rb") as handle:
        head = handle.read(16)
    raise ArchiveError(f"{archive} is neither a zip nor a tar archive (it starts with {head!r})")


def tar_has_filter() -> bool:
    """Whether this Python's ``TarFile.extractall`` takes the ``filter=`` argument."""
    return "filter" in inspect.signature(tarfile.TarFile.extractall).parameters


def _without_special_bits(members: list[tarfile.TarInfo]) -> Iterator[tarfile.TarInfo]:
    """Members with the permission bits the ``data`` filter would leave (for old Pythons)."""
    for member in members:
        if member.mode is not None:
            member.mode &= 0o755
            member.mode |= 0o700 if member.isdir() else 0o600
        yield member


def _extract_all(archive: Path, staging: Path, count: int) -> None:
    """Extract every member of ``archive`` (already checked) into ``staging``, with progress."""
    description = f"extract {archive.name}"
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(staging, members=progress(zipped.infolist(), description, count, "files"))
        return
    with tarfile.open(archive) as tarred:
        members = _checked_tar_members(archive, tarred)
        if tar_has_filter():
            tarred.extractall(staging, members=progress(members, description, count, "files"), filter="data")
        else:
            safe = list(_without_special_bits(members))
            tarred.extractall(staging, members=progress(safe, description, count, "files"))


def extract(archive: Path, root: Path, folder: str) -> Path:
    """Extract ``archive`` so that ``root/folder`` appears whole or not at all; return it."""
    members = read_members(archive)
    remove_stale_temporaries(root, folder)
    staging = temporary_sibling(root / folder, directory=True)
    try:
        _extract_all(archive, staging, len(members))
        produced = staging / folder
        if not produced.is_dir():
            names = [getattr(m, "name", None) or m.filename for m in members]
            tops = sorted({name.strip("/").split("/", 1)[0] for name in names})[:5]
            raise ArchiveError(f"{archive} does not hold a top-level folder {folder}/ (it holds {tops})")
        target = root / folder
        if target.is_dir() and not any(target.iterdir()):
            target.rmdir()
        os.replace(produced, target)
        return target
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as error:
        raise ArchiveError(f"extracting {archive} failed: {error}") from None
    finally:
        discard_temporary(staging)
