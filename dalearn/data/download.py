"""Fetch a benchmark dataset tree: only what is missing, from the first URL that works,
resumable, checked, never half-extracted.

For every archive of a dataset (:class:`~dalearn.data.benchmarks.Resource`):

1. ``<root>/<folder>`` already there and not empty → skipped.
2. ``<root>/<archive>`` already there (a finished earlier download, or placed by hand) → checked
   and extracted, nothing fetched; the archive is kept (dalearn deletes only the archives it
   downloaded itself, and those only without ``keep_archives``).
3. Otherwise the resource's URLs are tried in order (the dataset's own host first, then the
   mirrors; ``--mirror`` replaces them), each attempt reported. A URL that answers with an
   error, cannot be reached, serves a file of the wrong length or checksum, or serves
   something that is not the expected archive (an HTML page, say) is reported and the next URL
   is tried.
4. A download goes to ``<root>/<archive>.part``, with the URL it came from recorded in
   ``<root>/<archive>.part.source``. An interrupted transfer is resumed from where it stopped
   (HTTP Range) when the server allows it — by the next attempt, or the next run, which tries
   that URL first. Bytes from one URL are never continued from another (hosts may serve
   different files): switching URL restarts from zero. The byte count must match the server's
   announced length (and ``size`` / ``sha256`` when known) before the file is renamed to
   ``<root>/<archive>``; a checksum mismatch deletes the file — resuming cannot repair it.
5. The archive is read through completely and its members checked, then extracted whole or
   not at all (:mod:`dalearn.data.archives`).

When every URL of an archive failed, the error lists each URL with what went wrong and the
manual alternative (which file to put where); :func:`download_dataset` raises
:class:`DownloadError` once all archives were tried.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import math
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, Iterable, Mapping, Optional, Sequence, Union

from dalearn.data.archives import ArchiveError, extract
from dalearn.data.benchmarks import BenchmarkSpec, Resource
from dalearn.io import atomic_write_text, progress

#: where progress messages go unless a caller passes ``log`` (the console, through dalearn.io.setup_logging)
_log = logging.getLogger("dalearn")

CHUNK = 1 << 20
USER_AGENT = "dalearn-data (https://github.com/dalearn)"
SOURCE_SUFFIX = ".source"


class DownloadError(RuntimeError):
    """A dataset could not be fetched or extracted; the message says what to do by hand."""


class _TransferError(Exception):
    """One attempt failed; ``retry`` says whether trying the same URL again may help."""

    def __init__(self, reason: str, retry: bool) -> None:
        super().__init__(reason)
        self.retry = retry


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _total_from_range(header: Optional[str]) -> tuple[Optional[int], Optional[int]]:
    """(first byte, total length) of a ``Content-Range: bytes a-b/total`` header."""
    if not header or not header.startswith("bytes "):
        return None, None
    span, _, total = header[len("bytes ") :].partition("/")
    start = span.split("-", 1)[0]
    return (int(start) if start.isdigit() else None), (int(total) if total.isdigit() else None)


def _source_file(part: Path) -> Path:
    return part.with_name(part.name + SOURCE_SUFFIX)


def partial_source(part: Path) -> Optional[str]:
    """The URL the bytes of ``part`` came from, if recorded."""
    try:
        return _source_file(part).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def _discard_partial(part: Path) -> None:
    part.unlink(missing_ok=True)
    _source_file(part).unlink(missing_ok=True)


def _transfer(url: str, part: Path, timeout: float, log: Callable[[str], None]) -> Optional[int]:
    """Append the rest of ``url`` to ``part`` (or restart it); return the announced total length.

    A ``part`` that came from another URL is not resumed: it is replaced once ``url`` answers."""
    source = partial_source(part)
    resumable = part.exists() and source in (None, url)
    have = part.stat().st_size if resumable else 0
    headers = {"User-Agent": USER_AGENT}
    if have:
        headers["Range"] = f"bytes={have}-"
    try:
        response = urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout)
    except urllib.error.HTTPError as error:
        if error.code == 416 and have:
            _discard_partial(part)
            raise _TransferError("the server refused to resume (HTTP 416); restarting from zero", retry=True) from None
        raise _TransferError(
            f"HTTP {error.code} {error.reason}", retry=error.code >= 500 or error.code == 429
        ) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        raise _TransferError(f"cannot connect: {getattr(error, 'reason', error)}", retry=True) from None
    with response:
        start, total = _total_from_range(response.headers.get("Content-Range"))
        if have and response.status == 206 and start == have:
            mode = "ab"
            log(f"  resuming at {have / 2**20:.1f} MiB")
        elif response.status == 206:
            _discard_partial(part)
            raise _TransferError(
                f"the server sent bytes from {start} when asked for {have}-; restarting from zero", retry=True
            )
        else:
            mode, have = "wb", 0
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
        if part.exists() and not resumable:
            log(f"  replacing the {part.stat().st_size} bytes fetched earlier from {source}")
        atomic_write_text(_source_file(part), url + "\n")
        chunks = math.ceil((total - have) / CHUNK) if total is not None else None
        try:
            with open(part, mode) as handle:
                blocks = iter(lambda: response.read(CHUNK), b"")
                for block in progress(blocks, f"download {part.name[: -len('.part')]}", chunks, "MiB"):
                    handle.write(block)
        except (http.client.HTTPException, OSError) as error:
            raise _TransferError(f"transfer interrupted: {error}", retry=True) from None
    got = part.stat().st_size
    if total is not None and got != total:
        raise _TransferError(f"transfer interrupted: got {got} of {total} bytes (kept {part} to resume)", retry=True)
    return total


def fetch(
    url: str,
    dest: Path,
    sha256: Optional[str] = None,
    size: Optional[int] = None,
    retries: int = 2,
    timeout: float = 60.0,
    log: Callable[[str], None] = _log.info,
) -> str:
    """Download ``url`` to ``dest`` through ``dest.part`` (resumed across attempts and runs);
    check length and checksum, then rename. Returns the file's SHA-256."""
    part = dest.with_name(dest.name + ".part")
    for attempt in range(retries + 1):
        try:
            _transfer(url, part, timeout, log)
            break
        except _TransferError as error:
            if not error.retry or attempt == retries:
                raise DownloadError(str(error)) from None
            log(f"  {error}; retrying ({attempt + 1}/{retries})")
    got = part.stat().st_size
    if size is not None and got != size:
        _discard_partial(part)
        raise DownloadError(f"size mismatch: got {got} bytes, expected {size}; deleted the download")
    digest = sha256_of(part)
    if sha256 is not None and digest != sha256.lower():
        _discard_partial(part)
        raise DownloadError(f"checksum mismatch: sha256 {digest}, expected {sha256.lower()}; deleted the download")
    os.replace(part, dest)
    _source_file(part).unlink(missing_ok=True)
    return digest


def folder_layout(spec: BenchmarkSpec, root: Path, folder: str) -> str:
    """What ``root/folder`` must contain, for the manual-download message."""
    if folder == "image_list":
        return ", ".join(str(root / path) for domain in spec.domains for path in domain.lists.values())
    layouts = [str(root / domain.layout) for domain in spec.domains if domain.folder == folder]
    return ", ".join(layouts) or str(root / folder)


def manual_instructions(spec: BenchmarkSpec, root: Path, resource: Resource) -> str:
    """The files to place by hand when a download fails."""
    return (
        f"  Manual alternative: download the archive yourself (with a browser from one of the URLs that "
        f"`dalearn-data info {spec.name}` lists, or from another source — see {spec.homepage or spec.title}) "
        f"and either\n"
        f"    - put the archive at {root / resource.archive} (a zip or a tar holding {resource.folder}/, under "
        f"that name) and run `{spec.download_command(str(root))}` again (it checks and extracts it), or\n"
        f"    - extract it yourself so that {folder_layout(spec, root, resource.folder)} exist;\n"
        f"  then run `{spec.verify_command(str(root))}`."
    )


def _present(path: Path) -> bool:
    return path.is_dir() and any(path.iterdir())


def _urls(resource: Resource, mirrors: Sequence[str], part: Path) -> list[str]:
    """The URLs to try for ``resource``, the one a kept partial download came from first."""
    urls = [f"{mirror.rstrip('/')}/{resource.archive}" for mirror in mirrors] or list(resource.urls)
    source = partial_source(part) if part.exists() else None
    if source in urls:
        urls.remove(source)
        urls.insert(0, source)
    return urls


def _use_local_archive(
    archive: Path, expected: Optional[str], root: Path, folder: str, log: Callable[[str], None]
) -> str:
    """Check and extract an archive that was there before this run; returns its SHA-256."""
    log(f"{folder}: found {archive}, checking it")
    digest = sha256_of(archive)
    if expected is not None and digest != expected.lower():
        raise DownloadError(
            f"checksum mismatch of {archive}: sha256 {digest}, expected {expected.lower()}; replace or delete that file"
        )
    try:
        extract(archive, root, folder)
    except ArchiveError as error:
        raise DownloadError(f"{error}; delete or replace {archive} (it was there before this run)") from None
    return digest


def _download_from_first_working(
    resource: Resource,
    urls: Sequence[str],
    root: Path,
    expected: Optional[str],
    retries: int,
    timeout: float,
    log: Callable[[str], None],
) -> str:
    """Try ``urls`` in turn until one delivers an archive that extracts; returns its SHA-256."""
    archive = root / resource.archive
    failures = []
    for number, url in enumerate(urls, start=1):
        log(f"{resource.folder}: downloading {url} (URL {number} of {len(urls)})")
        try:
            digest = fetch(url, archive, expected, resource.size, retries, timeout, log)
            log(f"  {resource.archive}: {archive.stat().st_size} bytes, sha256 {digest}")
            extract(archive, root, resource.folder)
            return digest
        except (DownloadError, ArchiveError) as error:
            archive.unlink(missing_ok=True)
            failures.append(f"{url}: {error}")
            more = "; trying the next URL" if number < len(urls) else ""
            log(f"  failed: {error}{more}")
    raise DownloadError("every URL failed:\n" + "\n".join(f"    {failure}" for failure in failures))


def download_dataset(
    spec: BenchmarkSpec,
    root: str | Path,
    mirror: Union[str, Sequence[str], None] = None,
    checksums: Optional[Mapping[str, str]] = None,
    folders: Optional[Iterable[str]] = None,
    keep_archives: bool = False,
    retries: int = 2,
    timeout: float = 60.0,
    log: Callable[[str], None] = _log.info,
) -> list[str]:
    """Fetch and extract the missing parts of ``spec`` under ``root``; return the folders added.

    Args:
        mirror: one base URL, or several tried in order, to fetch ``<mirror>/<archive>`` from
            instead of the built-in URLs.
        checksums: ``{archive: sha256}`` pins, on top of the built-in ones.
        folders: only these folders (default: all of the dataset).
        keep_archives: keep ``<root>/<archive>`` after extracting it.
        retries: extra attempts per URL after an error that may be temporary (resuming).
    Raises:
        DownloadError: after trying every archive, if any failed; the message lists each
            failure with every URL tried and the manual alternative.
    """
    root = Path(root).expanduser().resolve()
    root.mkdir(parents=True, exist_ok=True)
    mirrors = [mirror] if isinstance(mirror, str) else list(mirror or [])
    wanted = set(folders) if folders is not None else None
    checksums = dict(checksums or {})
    added, failures = [], []
    for resource in spec.resources:
        if wanted is not None and resource.folder not in wanted:
            continue
        if _present(root / resource.folder):
            log(f"{resource.folder}: present, skipped")
            continue
        archive = root / resource.archive
        expected = checksums.get(resource.archive, resource.sha256)
        urls = _urls(resource, mirrors, archive.with_name(archive.name + ".part"))
        placed = archive.is_file()
        try:
            if placed:
                digest = _use_local_archive(archive, expected, root, resource.folder, log)
                log(f"  {resource.archive}: {archive.stat().st_size} bytes, sha256 {digest}")
            else:
                _download_from_first_working(resource, urls, root, expected, retries, timeout, log)
            if not keep_archives and not placed:
                archive.unlink()
            added.append(resource.folder)
            log(f"{resource.folder}: extracted to {root / resource.folder}")
        except DownloadError as error:
            failures.append(
                f"{spec.title}: could not get {resource.archive}: {error}\n{manual_instructions(spec, root, resource)}"
            )
            log(f"{resource.folder}: FAILED")
    if failures:
        raise DownloadError("\n".join(failures))
    return added
