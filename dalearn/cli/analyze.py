"""``dalearn-analyze RUN_DIR``: look inside a trained run (or a checkpoint) — t-SNE of the
features, domain gap, per-class accuracy, confusion matrix, calibration, selection history —
written to ``RUN_DIR/analysis/`` with an ``index.html`` (:func:`dalearn.analysis.analyze`)."""

from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

from dalearn.cli.version import with_version_flag
from dalearn.io import setup_logging


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dalearn-analyze", description=__doc__.split("\n\n")[0])
    p.add_argument("run", help="a run directory (outputs/runs/…/seed<k>-<hash>) or a checkpoint file")
    p.add_argument("--baseline", help="another run (e.g. Source-Only on the same data) shown beside this one")
    p.add_argument("--out", help="output folder (default: <run>/analysis)")
    p.add_argument("--config", help="the run's config.yaml, for a checkpoint outside its run directory")
    p.add_argument(
        "--max-per-domain", type=int, default=2000, help="images per domain for the domain gap (default 2000)"
    )
    p.add_argument(
        "--tsne-per-domain", type=int, default=1000, help="images per domain in the t-SNE map (default 1000)"
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the subsamples and of t-SNE (default 0)")
    p.add_argument("--batch-size", type=int, default=512)
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument(
        "--trust-config",
        action="store_true",
        help="build the runs' config.yaml even if it names callables or resolvers outside dalearn's list "
        "(docs/security.md: Security and shared run directories); only for a config you have read",
    )
    return p


@with_version_flag
def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parser().parse_args(argv)
    setup_logging()
    from dalearn.analysis import analyze

    try:
        summary = analyze(
            args.run,
            args.out,
            args.baseline,
            args.max_per_domain,
            args.tsne_per_domain,
            args.seed,
            args.batch_size,
            args.device,
            args.config,
            args.trust_config,
        )
    except (FileNotFoundError, ValueError, PermissionError) as error:
        print(f"dalearn-analyze: {error}", file=sys.stderr)
        return 2
    if "headline" in summary:  # "DANN 72.2 % vs Source Only 55.6 %: +16.6 points"
        print(summary["headline"])
    if "target_accuracy" in summary:
        print(
            f"target accuracy {100 * summary['target_accuracy']:.2f}%, ECE {100 * summary['ece']:.2f}%, "
            f"proxy A-distance {summary['domain_gap']['run']['proxy_a_distance']:.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
