"""The evidence behind the collapse check's thresholds (dalearn/validators/collapse.py): every
evaluated epoch of the given runs, its label-free collapse diagnostics (``val/collapse/<name>``
of metrics.json's history) beside its target accuracy and the Source-Only accuracy of the same
task, each epoch called

- *collapsed* when its target accuracy is more than ``--collapsed-below`` (10) points under
  Source-Only's on the task (negative transfer: the adaptation destroyed what the source taught),
- *healthy* when it is at most ``--healthy-within`` (2) points under Source-Only's or above,
- *in between* otherwise (reported, not used to set a threshold),

and, per diagnostic, the range over healthy and collapsed epochs, so that a threshold can be
put between them with a margin; then which epochs the thresholds flag (recomputed from the
recorded diagnostics with ``--min-entropy-ratio`` etc., the check's defaults unless given: a
run recorded under other thresholds is judged by these).

    python benchmarks/collapse_evidence.py outputs/i23b/runs --out benchmarks/results/collapse

Source-Only's accuracy on a task is that of its own run's ``src_val`` pick (the label-free
baseline a user has); a task without a Source-Only run among the inputs is skipped.
Target labels are read here only to *evaluate* the check, never by the check itself.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections import defaultdict
from pathlib import Path

from dalearn.io import atomic_write_text
from dalearn.validators.collapse import MAX_TOP_SHARE_RATIO, MIN_ENTROPY_RATIO, MIN_KAPPA

PREFIX = "val/collapse/"
DIAGNOSTICS = ("mean_entropy_ratio", "top_share_ratio", "top_share", "agreement", "kappa")


def read_runs(roots: list[Path]) -> list[dict]:
    """One row per evaluated epoch of every finished run under ``roots``."""
    rows = []
    for root in roots:
        for path in sorted(root.rglob("metrics.json")):
            metrics = json.loads(path.read_text())
            config = (path.parent / "config.yaml").read_text()
            task = path.parent.parent.parent.name
            method = path.parent.parent.name
            label = _label(method, path.parent, _config_value(config, "collapse_protection"))
            by_rule = metrics.get("by_selection", {})
            for record in metrics["history"]:
                stage = "test" if "test/tgt_acc" in record else "val"
                row = {
                    "task": task,
                    "method": label,
                    "run": str(path.parent),
                    "epoch": int(record["epoch"]),
                    "tgt_acc": 100 * record[f"{stage}/tgt_acc"],
                    "src_val_pick": 100 * by_rule["src_val"]["tgt_acc"] if "src_val" in by_rule else None,
                    "last_pick": 100 * by_rule["last"]["tgt_acc"],
                    "oracle_pick": 100 * by_rule["oracle"]["tgt_acc"],
                }
                for name in (*DIAGNOSTICS, "flag"):
                    row[name] = record.get(PREFIX + name)
                rows.append(row)
    return rows


def _label(method: str, run: Path, protection: str | None) -> str:
    """``method`` with the ``method.*`` overrides its command line gave (``.hydra/overrides.yaml``),
    else with its collapse protection (self-training), so that two configurations of a method
    are two rows."""
    overrides = run / ".hydra" / "overrides.yaml"
    given = []
    if overrides.is_file():
        for line in overrides.read_text().splitlines():
            item = line.strip().removeprefix("- ").strip()
            if item.startswith("method.") and not item.startswith("method.source_ckpt"):
                given.append(item[len("method.") :])
    if protection and not any(item.startswith("collapse_protection=") for item in given):
        given.insert(0, f"collapse_protection={protection}")
    return f"{method} ({', '.join(given)})" if given else method


def _config_value(text: str, key: str) -> str | None:
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(f"{key}:"):
            return stripped.split(":", 1)[1].strip()
    return None


def flag(row: dict, thresholds: dict[str, float]) -> float | None:
    """The check's flag of one epoch under ``thresholds`` (as dalearn.validators.collapse)."""
    if row["mean_entropy_ratio"] is None:
        return None
    flagged = not row["mean_entropy_ratio"] >= thresholds["mean_entropy_ratio"]
    flagged = flagged or row["top_share_ratio"] > thresholds["top_share_ratio"]
    if row["kappa"] is not None:
        flagged = flagged or row["kappa"] < thresholds["kappa"]
    return 1.0 if flagged else 0.0


def classify(rows: list[dict], collapsed_below: float, healthy_within: float) -> dict[str, float]:
    """Add ``source_only`` and ``state`` to each row; return Source-Only's accuracy per task."""
    baseline = {}
    for row in rows:
        if row["method"] == "source_only" and row["src_val_pick"] is not None:
            baseline[row["task"]] = row["src_val_pick"]
    for row in rows:
        reference = baseline.get(row["task"])
        row["source_only"] = reference
        if reference is None:
            row["state"] = "no baseline"
        elif row["tgt_acc"] < reference - collapsed_below:
            row["state"] = "collapsed"
        elif row["tgt_acc"] >= reference - healthy_within:
            row["state"] = "healthy"
        else:
            row["state"] = "in between"
    return baseline


def ranges(rows: list[dict]) -> list[list[str]]:
    """Per diagnostic and state: count, min, max, and the worst value toward collapse."""
    table = []
    for name in DIAGNOSTICS:
        for state in ("healthy", "in between", "collapsed"):
            values = [r[name] for r in rows if r["state"] == state and r[name] is not None]
            if not values:
                continue
            table.append([name, state, str(len(values)), f"{min(values):.3f}", f"{max(values):.3f}"])
    return table


def markdown(header: list[str], body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return "\n".join(lines)


def report(rows: list[dict], baseline: dict[str, float], thresholds: dict[str, float]) -> str:
    parts = ["# Collapse diagnostics per epoch (generated by benchmarks/collapse_evidence.py)", ""]
    parts.append(
        "Source-Only (src_val pick) per task: " + ", ".join(f"{t} {a:.1f} %" for t, a in sorted(baseline.items()))
    )
    parts += ["", "## Range of each diagnostic by state", ""]
    parts.append(markdown(["diagnostic", "state", "epochs", "min", "max"], ranges(rows)))
    parts += ["", "## Flags by state", ""]
    parts.append(
        f"Flag when mean_entropy_ratio < {thresholds['mean_entropy_ratio']:g}, top_share_ratio > "
        f"{thresholds['top_share_ratio']:g} or kappa < {thresholds['kappa']:g} (when recorded)."
    )
    parts.append("")
    counts = defaultdict(lambda: [0, 0])
    for row in rows:
        if row["flag"] is None:
            continue
        counts[row["state"]][0] += int(row["flag"] == 1.0)
        counts[row["state"]][1] += 1
    parts.append(
        markdown(["state", "flagged epochs", "epochs"], [[s, str(f), str(n)] for s, (f, n) in sorted(counts.items())])
    )
    parts += ["", "## Every run", ""]
    per_run = defaultdict(list)
    for row in rows:
        per_run[(row["task"], row["method"])].append(row)
    body = []
    for (task, method), epochs in sorted(per_run.items()):
        flagged = [str(r["epoch"]) for r in epochs if r["flag"] == 1.0]
        first = epochs[0]
        body.append(
            [
                task,
                method,
                _number(first["src_val_pick"]),
                _number(first["last_pick"]),
                _number(first["oracle_pick"]),
                f"{min(r['tgt_acc'] for r in epochs):.1f}–{max(r['tgt_acc'] for r in epochs):.1f}",
                ", ".join(sorted({r["state"] for r in epochs})),
                _span(epochs, "mean_entropy_ratio"),
                _span(epochs, "top_share_ratio"),
                _span(epochs, "agreement"),
                _span(epochs, "kappa"),
                ",".join(flagged) or "–",
            ]
        )
    header = [
        "task",
        "method",
        "src_val",
        "last",
        "oracle",
        "tgt acc % (epochs)",
        "states",
        "entropy ratio",
        "top-share ratio",
        "agreement",
        "kappa",
        "flagged",
    ]
    parts.append(markdown(header, body))
    return "\n".join(parts) + "\n"


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _span(epochs: list[dict], name: str) -> str:
    values = [r[name] for r in epochs if r[name] is not None]
    return f"{min(values):.2f}–{max(values):.2f}" if values else "–"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("roots", nargs="+", type=Path, help="folders holding dalearn-train run directories")
    parser.add_argument("--out", type=Path, required=True, help="folder for epochs.csv and evidence.md")
    parser.add_argument("--collapsed-below", type=float, default=10.0)
    parser.add_argument("--healthy-within", type=float, default=2.0)
    parser.add_argument("--min-entropy-ratio", type=float, default=MIN_ENTROPY_RATIO)
    parser.add_argument("--max-top-share-ratio", type=float, default=MAX_TOP_SHARE_RATIO)
    parser.add_argument("--min-kappa", type=float, default=MIN_KAPPA)
    args = parser.parse_args(argv)
    thresholds = {
        "mean_entropy_ratio": args.min_entropy_ratio,
        "top_share_ratio": args.max_top_share_ratio,
        "kappa": args.min_kappa,
    }
    rows = read_runs(args.roots)
    for row in rows:
        row["flag"] = flag(row, thresholds)
    if not rows:
        print(f"no finished runs under {', '.join(map(str, args.roots))}", file=sys.stderr)
        return 1
    baseline = classify(rows, args.collapsed_below, args.healthy_within)
    buffer = io.StringIO()
    columns = ["task", "method", "epoch", "tgt_acc", "source_only", "state", *DIAGNOSTICS, "flag", "run"]
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out / "epochs.csv", buffer.getvalue())
    atomic_write_text(args.out / "evidence.md", report(rows, baseline, thresholds))
    print(f"{len(rows)} epochs → {args.out / 'evidence.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
