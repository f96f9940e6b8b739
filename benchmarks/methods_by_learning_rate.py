"""Per task, method and learning rate of a sweep: the target accuracy (mean over the seeds) at
the epoch ``src_val``, ``ima`` and ``last`` pick and the best epoch (``oracle``), with the number
of epochs the collapse check flagged — to see which method falls below Source-Only at which
learning rate, beside the label-free selection report.

    python benchmarks/methods_by_learning_rate.py outputs/benchmark/offline_hparams \
        > benchmarks/results/selection_hparams/per_method.txt

Reads each run's ``metrics.json`` and ``config.yaml`` (plain YAML data, nothing built). A rule
the run could not record (SHOT has no source hold-out, so no ``src_val``) shows ``–``.
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics
from pathlib import Path

import yaml

RULES = ("src_val", "ima", "last", "oracle")


def mean(values: list) -> str:
    present = [v for v in values if v is not None]
    return f"{statistics.fmean(present):.1f}" if present else "–"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sweep_dir", type=Path)
    root = parser.parse_args(argv).sweep_dir
    accuracies: dict[tuple, list[dict]] = collections.defaultdict(list)
    flagged: dict[tuple, int] = collections.Counter()
    for path in sorted(root.glob("*/*/seed*/metrics.json")):
        task, method = path.relative_to(root).parts[:2]
        metrics = json.loads(path.read_text())
        lr = yaml.safe_load((path.parent / "config.yaml").read_text())["optim"]["lr"]
        chosen = metrics["by_selection"]
        accuracies[(task, method, lr)].append(
            {rule: 100 * chosen[rule]["tgt_acc"] if rule in chosen else None for rule in RULES}
        )
        flagged[(task, method, lr)] += sum(int(r.get("val/collapse/flag") or 0) for r in metrics["history"])
    for task in sorted({key[0] for key in accuracies}):
        print(f"\n{task}: target accuracy (%), mean over the seeds, at the epoch each rule picks")
        print(f"{'method':20s} {'lr':<6} " + " ".join(f"{rule:>7}" for rule in RULES) + "  seeds  flagged epochs")
        for key in sorted(k for k in accuracies if k[0] == task):
            runs = accuracies[key]
            cells = " ".join(f"{mean([run[rule] for run in runs]):>7}" for rule in RULES)
            print(f"{key[1]:20s} {key[2]:<6} {cells}  {len(runs):>5}  {flagged[key]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
