"""One table per task with a column per selection rule, from the per-rule CSVs
``dalearn-collect`` writes: how much each method's number depends on the rule that chose its
epoch (oracle, src_val, last and every label-free validator the runs recorded) — the
"under every selection rule" tables of benchmarks/RESULTS.md.

    dalearn-collect outputs/benchmark/offline --out outputs/benchmark/offline/tables
    python benchmarks/rules_by_task.py outputs/benchmark/offline/tables --out benchmarks/results/offline_rules.md

Each cell is the collector's ``mean ± std`` over the seeds (the seed count is dropped when it is
the full one). ``src_acc`` (the validator) ranks exactly as ``src_val`` and is left out.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

RULES = ("oracle", "src_val", "last", "bnm", "ima", "entropy", "snd", "dev", "devn", "class_ami")
SAME_AS = {"src_acc": "src_val"}
COUNT = re.compile(r"\s*\((\d+)\)$")


def read_rule(path: Path) -> tuple[list[str], dict[str, dict[str, str]]]:
    """(task columns, {method: {task: cell}}) of one rule's CSV."""
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    tasks = header[2:]
    return tasks, {row[0]: dict(zip(tasks, row[2:])) for row in body}


def cell_text(cell: str, seeds: int) -> str:
    match = COUNT.search(cell)
    if match and int(match.group(1)) == seeds:
        return cell[: match.start()]
    return cell or "–"


def tables(folder: Path, seeds: int) -> str:
    found = {p.stem: p for p in sorted(folder.glob("*.csv")) if p.stem not in SAME_AS}
    rules = [r for r in RULES if r in found] + sorted(set(found) - set(RULES))
    if not rules:
        raise SystemExit(f"{folder}: no per-rule CSV files (run dalearn-collect on the sweep first)")
    data = {rule: read_rule(found[rule]) for rule in rules}
    tasks, first = data[rules[0]]
    lines = []
    for task in tasks:
        heading = "Average over the tasks" if task == "Avg" else task
        lines += [f"#### {heading}", "", "| method | " + " | ".join(rules) + " |", "|---|" + "---:|" * len(rules)]
        for method in first:
            cells = [cell_text(data[rule][1].get(method, {}).get(task, ""), seeds) for rule in rules]
            lines.append(f"| {method} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tables", type=Path, help="the folder dalearn-collect wrote (<rule>.csv files)")
    parser.add_argument("--seeds", type=int, default=3, help="the full seed count (cells with fewer keep theirs)")
    parser.add_argument("--out", type=Path, default=None, help="also write the tables to this Markdown file")
    args = parser.parse_args(argv)
    text = tables(args.tables, args.seeds)
    print(text)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
