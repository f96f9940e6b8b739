"""The two test tiers side by side: how long each takes and how much of ``dalearn/`` each runs.

Runs the fast tier (``scripts/test``: ``-m "not slow"``) and the whole suite (``scripts/test
--all``) with the same pytest arguments (2 xdist workers, ``--dist loadgroup``), each twice
unless told otherwise: once plain, for the time a developer waits, and once under pytest-cov,
for the lines of ``dalearn/`` it executes (subprocesses included: coverage's ``patch =
subprocess``, so the console-command tests count). Then prints a table: wall time, pytest's
summary, the load average before and after (other work on the machine inflates the times),
line coverage of ``dalearn/``, and the ratio the issue asks for,

    fast-tier coverage ratio = |lines the fast tier executes ∩ lines the full tier executes|
                               / |lines the full tier executes|,

with the files where the fast tier misses the most full-tier lines.

    python benchmarks/test_tiers.py                      # both tiers, timed and with coverage
    python benchmarks/test_tiers.py --tiers fast         # the fast tier only (no ratio)
    python benchmarks/test_tiers.py --no-timing          # coverage runs only (half the time)
    python benchmarks/test_tiers.py --reuse              # recompute the ratio from the last run's data
    python benchmarks/test_tiers.py --out benchmarks/results/test_tiers.md

The coverage data stay in ``benchmarks/_work/test_tiers/`` (``fast.coverage``, ``full.coverage``);
``coverage report --data-file=benchmarks/_work/test_tiers/fast.coverage -m`` lists the lines.
The full tier takes 10–20 minutes on 2 cores; run it on a quiet machine for numbers to quote.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / "_work" / "test_tiers"
TIERS = {"fast": ["-m", "not slow"], "full": []}
SUMMARY = re.compile(r"=+ (.*\b(passed|failed|error)\b.*) =+\s*$", re.M)


def pytest_command(tier: str, workers: int, coverage: bool) -> list[str]:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", str(workers)]
    command += ["--dist", "loadgroup", *TIERS[tier]]
    if coverage:  # tracing slows a test several times over: no per-test timeout but the tests' own marks
        command += [f"--cov={ROOT / 'dalearn'}", f"--cov-config={coverage_config()}", "--cov-report=", "--timeout=0"]
    return command


def coverage_config() -> Path:
    """A coverage rc of its own (the project sets none): dalearn/ only, subprocesses measured."""
    path = WORK / "coveragerc"
    path.write_text(f"[run]\nsource = {ROOT / 'dalearn'}\npatch = subprocess\nparallel = true\n")
    return path


def run_tier(tier: str, workers: int, coverage: bool) -> dict:
    """One pytest run of ``tier``; with ``coverage``, its data end up in ``WORK/<tier>.coverage``."""
    env = dict(os.environ)
    data = WORK / f"{tier}.coverage"
    if coverage:
        for old in WORK.glob(f"{tier}.coverage*"):
            old.unlink()
        env["COVERAGE_FILE"] = str(data)
    load_before = os.getloadavg()
    start = time.perf_counter()
    result = subprocess.run(pytest_command(tier, workers, coverage), cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    load_after = os.getloadavg()
    (WORK / f"{tier}{'-cov' if coverage else ''}.log").write_text(result.stdout + result.stderr)
    if coverage:
        combine(data)
    found = SUMMARY.findall(result.stdout)
    return {
        "tier": tier,
        "coverage": coverage,
        "seconds": seconds,
        "returncode": result.returncode,
        "summary": found[-1][0] if found else f"exit {result.returncode} (see {WORK})",
        "load": (load_before[0], load_after[0]),
    }


def combine(data: Path) -> None:
    """Merge the per-process data files (xdist workers, measured subprocesses) into ``data``."""
    import coverage

    parts = [str(p) for p in data.parent.glob(f"{data.name}.*")]
    if parts:
        cov = coverage.Coverage(data_file=str(data))
        cov.combine(parts, keep=False)
        cov.save()


def executed_lines(data: Path) -> dict[str, set[int]]:
    """file → the lines of dalearn/ the run executed."""
    import coverage

    covdata = coverage.CoverageData(basename=str(data))
    covdata.read()
    prefix = str(ROOT / "dalearn")
    return {f: set(covdata.lines(f) or ()) for f in covdata.measured_files() if f.startswith(prefix)}


def statements() -> int:
    """Executable lines in dalearn/ (coverage's own count, from the full data if present)."""
    import coverage

    data = WORK / ("full.coverage" if (WORK / "full.coverage").exists() else "fast.coverage")
    cov = coverage.Coverage(data_file=str(data), config_file=str(coverage_config()))
    cov.load()
    total = 0
    for path in sorted((ROOT / "dalearn").rglob("*.py")):
        total += len(cov.analysis2(str(path))[1])
    return total


def report(runs: list[dict], tiers: list[str]) -> str:
    lines = [
        f"Machine: {os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), Python {platform.python_version()}.",
        "",
        "| tier | coverage run | wall time (s) | pytest | load avg 1 min before → after |",
        "| --- | --- | ---: | --- | --- |",
    ]
    for run in runs:
        before, after = run["load"]
        lines.append(
            f"| {run['tier']} | {'yes' if run['coverage'] else 'no'} | {run['seconds']:.0f} | {run['summary']} "
            f"| {before:.2f} → {after:.2f} |"
        )
    measured = {
        tier: executed_lines(WORK / f"{tier}.coverage") for tier in tiers if (WORK / f"{tier}.coverage").exists()
    }
    if measured:
        total = statements()
        lines += ["", "| tier | lines of dalearn/ executed | of its statements |", "| --- | ---: | ---: |"]
        for tier, files in measured.items():
            count = sum(len(v) for v in files.values())
            lines.append(f"| {tier} | {count} | {100 * count / total:.1f} % of {total} |")
    if {"fast", "full"} <= set(measured):
        fast, full = measured["fast"], measured["full"]
        full_count = sum(len(v) for v in full.values())
        both = sum(len(full[f] & fast.get(f, set())) for f in full)
        lines += [
            "",
            f"Fast-tier coverage ratio: {both} / {full_count} = **{100 * both / full_count:.1f} %** "
            "of the lines the full tier executes (target ≥ 85 %).",
        ]
        missed = sorted(((len(full[f] - fast.get(f, set())), f) for f in full), reverse=True)[:15]
        lines += ["", "Files where the fast tier misses the most full-tier lines:", ""]
        lines += [f"- {Path(f).relative_to(ROOT)}: {n}" for n, f in missed if n]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiers", nargs="+", choices=sorted(TIERS), default=["fast", "full"])
    parser.add_argument("--workers", type=int, default=2, help="xdist workers (scripts/test uses 2)")
    parser.add_argument("--no-timing", action="store_true", help="skip the plain (uncovered) timing runs")
    parser.add_argument("--no-coverage", action="store_true", help="skip the coverage runs")
    parser.add_argument("--reuse", action="store_true", help="run nothing; report from the last coverage data")
    parser.add_argument("--out", type=Path, help="also write the report (Markdown) to this file")
    args = parser.parse_args(argv)
    WORK.mkdir(parents=True, exist_ok=True)
    runs = []
    if not args.reuse:
        for tier in args.tiers:
            if not args.no_timing:
                runs.append(run_tier(tier, args.workers, coverage=False))
                print(f"[test_tiers] {tier}: {runs[-1]['seconds']:.0f} s, {runs[-1]['summary']}", flush=True)
            if not args.no_coverage:
                runs.append(run_tier(tier, args.workers, coverage=True))
                print(
                    f"[test_tiers] {tier} with coverage: {runs[-1]['seconds']:.0f} s, {runs[-1]['summary']}", flush=True
                )
    text = report(runs, args.tiers)
    print(text)
    if args.out:
        args.out.write_text(text)
    return 0 if all(run["returncode"] == 0 for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
