"""Check a benchmark dataset tree: every list entry exists and decodes, counts match.

For each domain and list split: the list file exists and parses, every image it names exists,
every image decodes (JPEGs at 1/8 scale — libjpeg still reads all the compressed data, so a
truncated or corrupt file is caught at a fraction of the cost of a full decode), labels lie in
``[0, num_classes)``, and the number of entries equals the published count. A list with no
entries is a problem, whatever the counts: training on it would fail much later, far from the
cause.

The lists are read first; then all present images of all lists are decoded in one pass, with
one progress display (a bar in a terminal, a line every 5 % in a log).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

from PIL import Image

from dalearn.data.benchmarks import BenchmarkSpec
from dalearn.data.image_list import ImageListError, missing_images, read_image_list
from dalearn.io import progress

SHOWN = 3


@dataclass
class ListReport:
    """The findings for one list file."""

    domain: str
    split: str
    list_file: str
    expected: Optional[int]
    entries: int = 0
    list_problem: Optional[str] = None
    missing: list[str] = field(default_factory=list)
    undecodable: list[tuple[str, str]] = field(default_factory=list)
    bad_labels: list[tuple[str, int]] = field(default_factory=list)
    decoded: bool = False

    @property
    def count_ok(self) -> bool:
        return self.expected is None or self.entries == self.expected

    @property
    def ok(self) -> bool:
        return (
            self.list_problem is None
            and not self.missing
            and not self.undecodable
            and not self.bad_labels
            and self.count_ok
        )


def decode_error(path: str) -> Optional[str]:
    """None if ``path`` decodes as an image, else the decoder's complaint."""
    try:
        with Image.open(path) as image:
            image.draft("RGB", (1, 1))
            image.load()
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return None


def check_list(
    spec: BenchmarkSpec, root: Path, domain_key: str, split: str, check_counts: bool
) -> tuple[ListReport, list[str]]:
    """The findings of one list that need no decoding, and the present images to decode."""
    domain = spec.domain(domain_key)
    list_file = root / domain.lists[split]
    report = ListReport(domain.key, split, domain.lists[split], domain.counts.get(split) if check_counts else None)
    if not list_file.is_file():
        report.list_problem = f"{list_file} is missing"
        return report, []
    try:
        samples = read_image_list(list_file, root)
    except (ImageListError, UnicodeDecodeError) as error:
        report.list_problem = str(error)
        return report, []
    if not samples:
        report.list_problem = (
            f"{list_file} lists no images (it is empty); replace it with the published list "
            f"(delete {root / 'image_list'} and run `{spec.download_command(str(root))}`)"
        )
        return report, []
    report.entries = len(samples)
    report.bad_labels = [(path, label) for path, label in samples if not 0 <= label < spec.num_classes]
    report.missing = missing_images([path for path, _ in samples])
    absent = set(report.missing)
    return report, [path for path, _ in samples if path not in absent]


def _decode_all(spec: BenchmarkSpec, reports: list[ListReport], present: list[list[str]], workers: int) -> None:
    """Decode every present image of every list, in one pass; record failures per list."""
    paths = [path for paths in present for path in paths]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        decoded = pool.map(decode_error, paths, chunksize=64)
        errors = list(progress(decoded, f"verify {spec.name}", len(paths), "images"))
    offset = 0
    for report, paths in zip(reports, present):
        found = errors[offset : offset + len(paths)]
        report.undecodable = [(path, error) for path, error in zip(paths, found) if error is not None]
        report.decoded = report.list_problem is None
        offset += len(paths)


def verify_dataset(
    spec: BenchmarkSpec,
    root: str | Path,
    domains: Optional[Iterable[str]] = None,
    decode: bool = True,
    check_counts: bool = True,
    workers: Optional[int] = None,
) -> list[ListReport]:
    """One :class:`ListReport` per (domain, split) of ``spec`` (or of ``domains``) under ``root``."""
    root = Path(root).expanduser()
    chosen = [spec.domain(key) for key in domains] if domains else list(spec.domains)
    workers = workers or min(8, os.cpu_count() or 1)
    checked = [check_list(spec, root, domain.key, split, check_counts) for domain in chosen for split in domain.lists]
    reports = [report for report, _ in checked]
    if decode:
        _decode_all(spec, reports, [paths for _, paths in checked], workers)
    return reports


def format_report(spec: BenchmarkSpec, root: str | Path, reports: list[ListReport]) -> str:
    """A short table, then up to three examples of each kind of problem, then a verdict."""
    header = (
        f"{'domain':<10} {'split':<6} {'list':<32} {'images':>7} {'expected':>8} {'missing':>7} {'broken':>6}  result"
    )
    lines = [f"{spec.title} under {root}", header]
    for r in reports:
        expected = "-" if r.expected is None else str(r.expected)
        broken = str(len(r.undecodable)) if r.decoded else "-"
        result = "ok" if r.ok else ("NO LIST" if r.list_problem else "PROBLEMS")
        lines.append(
            f"{r.domain:<10} {r.split:<6} {r.list_file:<32} {r.entries:>7} {expected:>8} {len(r.missing):>7} "
            f"{broken:>6}  {result}"
        )
    for r in reports:
        where = f"{r.domain}/{r.split}"
        if r.list_problem:
            lines.append(f"{where}: {r.list_problem}")
        if not r.count_ok:
            lines.append(f"{where}: {r.entries} entries, the published list has {r.expected}")
        lines += [f"{where}: missing {path}" for path in r.missing[:SHOWN]]
        lines += [f"{where}: cannot decode {path} ({error})" for path, error in r.undecodable[:SHOWN]]
        lines += [f"{where}: label {label} out of range for {path}" for path, label in r.bad_labels[:SHOWN]]
        hidden = sum(max(0, len(items) - SHOWN) for items in (r.missing, r.undecodable, r.bad_labels))
        if hidden:
            lines.append(f"{where}: ... and {hidden} more")
    total = sum(r.entries for r in reports)
    if all(r.ok for r in reports):
        checked = "exist and decode" if all(r.decoded for r in reports) else "exist (not decoded)"
        lines.append(f"OK: all {len(reports)} lists, {total} images {checked}.")
    else:
        lines.append(f"FAILED: {sum(not r.ok for r in reports)} of {len(reports)} lists have problems.")
        damaged = [path for r in reports for path in r.missing + [path for path, _ in r.undecodable]]
        incomplete = sorted({_top_folder(root, path) for path in damaged})
        download = spec.download_command(str(root))
        if incomplete:
            lines.append(
                f"Incomplete image folders: {', '.join(incomplete)} — delete them and run "
                f"`{download}` (it fetches only what is absent), or replace the files above."
            )
        if any(r.list_problem for r in reports):
            lines.append(f"Fetch the lists that are absent or unreadable with `{download}` (after deleting them).")
        relabelled = [r for r in reports if r.list_problem is None and (r.bad_labels or not r.count_ok)]
        if relabelled:
            files = ", ".join(str(Path(root) / r.list_file) for r in relabelled)
            lines.append(
                f"{files}: labels outside [0, {spec.num_classes}) or a count that differs from the published list — "
                f"the list file is not {spec.title}'s own; downloading again does not replace it (the download "
                f"fetches only what is absent). Restore the published list, or train on your own list with "
                f"data=custom data/source=image_list."
            )
    return "\n".join(lines)


def _top_folder(root: str | Path, path: str) -> str:
    relative = os.path.relpath(path, root)
    return os.path.join(str(root), relative.split(os.sep, 1)[0])
