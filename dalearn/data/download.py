"""Fetch a benchmark dataset tree: only what is missing, resumable, checked, never half-extracted.

For every archive of a dataset (:class:`~dalearn.data.benchmarks.Resource`):

1. ``<root>/<folder>`` already there and not empty → skipped.
2. ``<root>/<archive>`` already there (a finished earlier download, or placed by hand) → checked
   and extracted, nothing fetched.
3. Otherwise the archive is downloaded to ``<root>/<archive>.part``; an interrupted transfer is
   resumed from where it stopped (HTTP Range) when the server allows it, by the next attempt or
   the next run. The byte count must match the server's announced length (and ``size`` /
   ``sha256`` when known) before the file is renamed to ``<root>/<archive>``. A checksum
   mismatch deletes the file — resuming cannot repair it.
4. The archive (zip or tar, told apart by content) is read through completely, extracted into
   ``<root>/.<folder>.extracting`` and only then renamed to ``<root>/<folder>``; on any error
   the temporary directory is removed.

Every failure is reported with the URL and the manual alternative (which file to put where),
and :func:`download_dataset` raises :class:`DownloadError` once all archives were tried.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import tarfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Callable, Iterable, Mapping, Optional

from dalearn.data.benchmarks import BenchmarkSpec, Resource

CHUNK = 1 << 20
USER_AGENT = "dalearn-data (https://github.com/dalearn)"


class DownloadError(RuntimeError):
    """A dataset could not be fetched or extracted; the message says what to do by hand."""


class _TransferError(Exception):
    """One archive failed; ``retry`` says whether trying again may help."""

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
    span, _, total = header[len("bytes "):].partition("/")
    start = span.split("-", 1)[0]
    return (int(start) if start.isdigit() else None), (int(total) if total.isdigit() else None)


def _transfer(url: str, part: Path, timeout: float, log: Callable[[str], None]) -> Optional[int]:
    """Append the rest of ``url`` to ``part`` (or restart it); return the announced total length."""
    have = part.stat().st_size if part.exists() else 0
    headers = {"User-Agent": USER_AGENT}
    if have:
        headers["Range"] = f"bytes={have}-"
    try:
        response = urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout)
    except urllib.error.HTTPError as error:
        if error.code == 416 and have:
            part.unlink()
            raise _TransferError("the server refused to resume (HTTP 416); restarting from zero", retry=True)
        raise _TransferError(f"HTTP {error.code} {error.reason}", retry=error.code >= 500 or error.code == 429)
    except (urllib.error.URLError, OSError) as error:
        raise _TransferError(f"cannot connect: {getattr(error, 'reason', error)}", retry=True)
    with response:
        start, total = _total_from_range(response.headers.get("Content-Range"))
        if have and response.status == 206 and start == have:
            mode = "ab"
            log(f"  resuming at {have / 2**20:.1f} MiB")
        elif response.status == 206:
            part.unlink(missing_ok=True)
            raise _TransferError(
                f"the server sent bytes from {start} when asked for {have}-; restarting from zero", retry=True
            )
        else:
            mode, have = "wb", 0
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
        try:
            with open(part, mode) as handle:
                shutil.copyfileobj(response, handle, CHUNK)
        except (http.client.HTTPException, OSError) as error:
            raise _TransferError(f"transfer interrupted: {error}", retry=True)
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
    log: Callable[[str], None] = print,
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
        part.unlink()
        raise DownloadError(f"size mismatch: got {got} bytes, expected {size}; deleted the download")
    digest = sha256_of(part)
    if sha256 is not None and digest != sha256.lower():
        part.unlink()
        raise DownloadError(f"checksum mismatch: sha256 {digest}, expected {sha256.lower()}; deleted the download")
    os.replace(part, dest)
    return digest


def _archive_members(archive: Path) -> list[str]:
    """Names in ``archive`` after reading it through completely (zip: every CRC)."""
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zipped:
            broken = zipped.testzip()
            if broken is not None:
                raise DownloadError(f"{archive} is corrupt (bad CRC in {broken})")
            return zipped.namelist()
    try:
        if tarfile.is_tarfile(archive):
            with tarfile.open(archive) as tarred:
                return tarred.getnames()
    except (tarfile.TarError, EOFError, OSError) as error:
        raise DownloadError(f"{archive} is a damaged tar archive: {error}") from None
    with open(archive, "rb") as handle:
        head = handle.read(16)
    raise DownloadError(f"{archive} is neither a zip nor a tar archive (it starts with {head!r})")


def extract(archive: Path, root: Path, folder: str) -> Path:
    """Extract ``archive`` so that ``root/folder`` appears whole or not at all."""
    members = _archive_members(archive)
    staging = root / f".{folder}.extracting"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zipped:
                zipped.extractall(staging)
        else:
            with tarfile.open(archive) as tarred:
                tarred.extractall(staging, filter="data")
        produced = staging / folder
        if not produced.is_dir():
            tops = sorted({name.strip("/").split("/", 1)[0] for name in members})[:5]
            raise DownloadError(f"{archive} does not hold a top-level folder {folder}/ (it holds {tops})")
        target = root / folder
        if target.is_dir() and not any(target.iterdir()):
            target.rmdir()
        os.replace(produced, target)
        return target
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as error:
        raise DownloadError(f"extracting {archive} failed: {error}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def folder_layout(spec: BenchmarkSpec, root: Path, folder: str) -> str:
    """What ``root/folder`` must contain, for the manual-download message."""
    if folder == "image_list":
        return ", ".join(str(root / path) for domain in spec.domains for path in domain.lists.values())
    layouts = [str(root / domain.layout) for domain in spec.domains if domain.folder == folder]
    return ", ".join(layouts) or str(root / folder)


def manual_instructions(spec: BenchmarkSpec, root: Path, resource: Resource, url: str) -> str:
    """The URL and the files to place by hand when a download fails."""
    return (
        f"  URL: {url}\n"
        f"  Manual alternative: download that file yourself (a browser, or another mirror — see "
        f"{spec.homepage or spec.title}) and either\n"
        f"    - put the archive at {root / resource.archive} and run `{spec.download_command(str(root))}` "
        f"again (it checks and extracts it), or\n"
        f"    - extract it yourself so that {folder_layout(spec, root, resource.folder)} exist;\n"
        f"  then run `{spec.verify_command(str(root))}`."
    )


def _present(path: Path) -> bool:
    return path.is_dir() and any(path.iterdir())


def download_dataset(
    spec: BenchmarkSpec,
    root: str | Path,
    mirror: Optional[str] = None,
    checksums: Optional[Mapping[str, str]] = None,
    folders: Optional[Iterable[str]] = None,
    keep_archives: bool = False,
    retries: int = 2,
    timeout: float = 60.0,
    log: Callable[[str], None] = print,
) -> list[str]:
    """Fetch and extract the missing parts of ``spec`` under ``root``; return the folders added.

    Args:
        mirror: a base URL to fetch ``<mirror>/<archive>`` from instead of the built-in URLs.
        checksums: ``{archive: sha256}`` pins, on top of the built-in ones.
        folders: only these folders (default: all of the dataset).
        keep_archives: keep ``<root>/<archive>`` after extracting it.
    Raises:
        DownloadError: after trying every archive, if any failed; the message lists each
            failure with its URL and the manual alternative.
    """
    root = Path(root).expanduser().resolve()
    root.mkdir(parents=True, exist_ok=True)
    wanted = set(folders) if folders is not None else None
    checksums = dict(checksums or {})
    added, failures = [], []
    for resource in spec.resources:
        if wanted is not None and resource.folder not in wanted:
            continue
        if _present(root / resource.folder):
            log(f"{resource.folder}: present, skipped")
            continue
        url = f"{mirror.rstrip('/')}/{resource.archive}" if mirror else resource.url
        archive = root / resource.archive
        expected = checksums.get(resource.archive, resource.sha256)
        fetched = not archive.is_file()
        try:
            if fetched:
                log(f"{resource.folder}: downloading {url}")
                digest = fetch(url, archive, expected, resource.size, retries, timeout, log)
            else:
                log(f"{resource.folder}: found {archive}, checking it")
                digest = sha256_of(archive)
                if expected is not None and digest != expected.lower():
                    raise DownloadError(
                        f"checksum mismatch of {archive}: sha256 {digest}, expected {expected.lower()}; "
                        f"replace or delete that file"
                    )
            log(f"  {resource.archive}: {archive.stat().st_size} bytes, sha256 {digest}")
            try:
                extract(archive, root, resource.folder)
            except DownloadError as error:
                if fetched:
                    archive.unlink()
                    raise
                raise DownloadError(f"{error}; delete or replace {archive} (it was there before this run)") from None
            if not keep_archives:
                archive.unlink()
            added.append(resource.folder)
            log(f"{resource.folder}: extracted to {root / resource.folder}")
        except DownloadError as error:
            failures.append(
                f"{spec.title}: could not get {resource.archive}: {error}\n"
                f"{manual_instructions(spec, root, resource, url)}"
            )
            log(f"{resource.folder}: FAILED ({error})")
    if failures:
        raise DownloadError("\n".join(failures))
    return added

