"""``dalearn-data``: download, verify and describe the benchmark datasets.

    dalearn-data download office31 --root ~/data/office31
    dalearn-data verify office31 --root ~/data/office31
    dalearn-data info domainnet --root ~/data/domainnet
    dalearn-data cache office31 --root ~/data/office31     # decoded-image caches, before a sweep

Exit status: 0 on success, 1 when a download failed or the tree has problems, 2 on bad usage,
130 when interrupted (Ctrl-C; a partial download is kept and the same command resumes it).
"""

from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

from dalearn.cli.version import with_version_flag
from dalearn.data.benchmarks import BENCHMARKS, get_benchmark
from dalearn.data.download import DownloadError, download_dataset
from dalearn.data.verify import format_report, verify_dataset
from dalearn.io import setup_logging


def _checksum(text: str) -> tuple[str, str]:
    archive, sep, digest = text.partition("=")
    if not sep or len(digest) != 64 or any(c not in "0123456789abcdefABCDEF" for c in digest):
        raise argparse.ArgumentTypeError(f"expected ARCHIVE=SHA256 (64 hex digits), got {text!r}")
    return archive, digest.lower()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dalearn-data", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    names = sorted(BENCHMARKS)

    download = commands.add_parser("download", help="fetch and extract what is missing under --root")
    download.add_argument("name", choices=names)
    download.add_argument("--root", required=True, help="dataset root (will hold image_list/ and the image folders)")
    download.add_argument(
        "--mirror",
        action="append",
        metavar="URL",
        help="fetch <URL>/<archive> instead of the built-in URLs (repeatable: tried in order)",
    )
    download.add_argument(
        "--sha256",
        type=_checksum,
        action="append",
        default=[],
        metavar="ARCHIVE=HEX",
        help="require this checksum for an archive (repeatable), e.g. amazon.tgz=<64 hex digits>",
    )
    download.add_argument("--only", nargs="+", metavar="FOLDER", help="only these folders (e.g. image_list amazon)")
    download.add_argument("--keep-archives", action="store_true", help="keep the archives after extracting")
    download.add_argument("--retries", type=int, default=2, help="extra attempts per URL, resuming (default 2)")
    download.add_argument("--timeout", type=float, default=60.0, help="network timeout in seconds (default 60)")

    verify = commands.add_parser("verify", help="check that every list entry exists and decodes; compare counts")
    verify.add_argument("name", choices=names)
    verify.add_argument("--root", required=True)
    verify.add_argument("--domains", nargs="+", metavar="KEY", help="only these domains (e.g. A W)")
    verify.add_argument("--no-decode", action="store_true", help="only check that the files exist")
    verify.add_argument("--ignore-counts", action="store_true", help="do not compare with the published counts")
    verify.add_argument("--workers", type=int, default=None, help="decoding threads (default: up to 8)")

    cache = commands.add_parser("cache", help="build the decoded-image caches (data.cache) of every list")
    cache.add_argument("name", choices=names)
    cache.add_argument("--root", required=True)
    cache.add_argument(
        "--cache-dir",
        help="where to write them (default <root>/.dalearn-cache; then pass data.cache=<this folder> to dalearn-train)",
    )
    cache.add_argument("--domains", nargs="+", metavar="KEY", help="only these domains (e.g. A W)")
    cache.add_argument("--side", type=int, default=256, help="stored square side: the recipe's resize (256)")
    cache.add_argument("--decode-size", type=int, default=256, help="reduced-size JPEG decode (0: full size)")
    cache.add_argument("--workers", type=int, default=None, help="decoding threads (default: up to 8)")

    info = commands.add_parser("info", help="domains, tasks, expected layout and download URLs")
    info.add_argument("name", choices=names)
    info.add_argument("--root", default="<root>")
    return parser


def _download(args: argparse.Namespace) -> int:
    spec = get_benchmark(args.name)
    try:
        added = download_dataset(
            spec,
            args.root,
            mirror=args.mirror,
            checksums=dict(args.sha256),
            folders=args.only,
            keep_archives=args.keep_archives,
            retries=args.retries,
            timeout=args.timeout,
        )
    except DownloadError as error:
        print(f"dalearn-data download failed:\n{error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            f"dalearn-data download: interrupted; the partial download under {args.root} is kept and "
            f"running `{spec.download_command(args.root)}` again resumes it.",
            file=sys.stderr,
        )
        return 130
    print(
        f"{spec.title} is complete under {args.root} ({len(added)} folders added). "
        f"Check it with `{spec.verify_command(args.root)}`."
    )
    return 0


def _verify(args: argparse.Namespace) -> int:
    spec = get_benchmark(args.name)
    try:
        reports = verify_dataset(
            spec,
            args.root,
            domains=args.domains,
            decode=not args.no_decode,
            check_counts=not args.ignore_counts,
            workers=args.workers,
        )
    except KeyboardInterrupt:
        print("dalearn-data verify: interrupted; nothing was changed.", file=sys.stderr)
        return 130
    print(format_report(spec, args.root, reports))
    return 0 if all(report.ok for report in reports) else 1


def _cache(args: argparse.Namespace) -> int:
    import logging

    from dalearn.data.benchmarks import benchmark_domain
    from dalearn.data.cache import CacheError

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    spec = get_benchmark(args.name)
    domains = [spec.domain(key) for key in args.domains] if args.domains else list(spec.domains)
    target = args.cache_dir or True
    try:
        for domain in domains:
            for split in domain.lists:
                dataset = benchmark_domain(
                    spec.name,
                    args.root,
                    domain=domain.key,
                    split=split,
                    decode_size=args.decode_size or None,
                    cache=target,
                    cache_side=args.side,
                    cache_workers=args.workers,
                )
                entry = dataset.entry
                state = f"built in {entry.seconds:.1f} s" if entry.built else "up to date"
                print(
                    f"{domain.key} {split}: {len(dataset)} images, {entry.nbytes / 2**20:.1f} MiB, {state} — {entry.path}"
                )
    except CacheError as error:
        print(f"dalearn-data cache failed: {error}", file=sys.stderr)
        return 1
    except FileNotFoundError as error:
        print(f"dalearn-data cache: {error}", file=sys.stderr)
        return 1
    setting = "data.cache=auto" if args.cache_dir is None else f"data.cache={args.cache_dir}"
    print(f"Train with {setting} to use them.")
    return 0


def _info(args: argparse.Namespace) -> int:
    spec = get_benchmark(args.name)
    print(f"{spec.title} ({spec.name}): {spec.num_classes} classes — {spec.homepage}")
    for domain in spec.domains:
        counts = ", ".join(f"{split} {n}" for split, n in domain.counts.items())
        print(f"  domain {domain.key:<10} {domain.name:<12} {counts}")
    print(f"published tasks: {' '.join(spec.tasks)}")
    print(f"expected layout:\n{spec.layout(args.root)}")
    print("archives:")
    for resource in spec.resources:
        print(f"  {resource.archive:<16} -> {args.root}/{resource.folder}")
        for url in resource.urls:
            print(f"      {url}")
    return 0


@with_version_flag
def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    setup_logging()
    try:
        return {"download": _download, "verify": _verify, "cache": _cache, "info": _info}[args.command](args)
    except ValueError as error:
        print(f"dalearn-data: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
