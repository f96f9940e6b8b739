"""The two test tiers side by side: how long each takes and how much of ``dalearn/`` each runs.

Times the fast tier (``scripts/test``: ``-m "not slow"``) and the whole suite (``scripts/test
--all``) with the pytest arguments ``scripts/test`` uses (2 xdist workers, ``--dist
loadgroup``): the time a developer waits. Then measures under pytest-cov which lines of
``dalearn/`` the fast tests and the slow tests execute (subprocesses included: coverage's
``patch = subprocess``, so the console-command tests count). The full tier is exactly the fast
tests plus the slow ones, so the lines it executes are the union of the two coverage runs (the
fast tests are not covered twice). Prints a table: wall time, pytest's summary, the load
average before and after (other work on the machine inflates the times), line coverage of
``dalearn/``, and the ratio the issue asks for,

    fast-tier coverage ratio = |lines the fast tier executes| / |lines the full tier executes|,

with the files where the fast tier misses the most full-tier lines.

    python benchmarks/test_tiers.py                  # timings of both tiers, then coverage
    python benchmarks/test_tiers.py --no-coverage    # timings only (what the README quotes)
    python benchmarks/test_tiers.py --no-timing      # coverage only
    python benchmarks/test_tiers.py --reuse          # the report again from the last coverage data
    python benchmarks/test_tiers.py --no-timing --coverage-of fast   # after changing fast tests only
    python benchmarks/test_tiers.py --out benchmarks/results/test_tiers.md

The coverage data stay in ``benchmarks/_work/test_tiers/`` (``fast.coverage``, ``slow.coverage``);
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
#: timed tiers, and the coverage runs whose union is the full tier.
TIERS = {"fast": ["-m", "not slow"], "full": [], "slow": ["-m", "slow"]}
COVERAGE_RUNS = ("fast", "slow")
SUMMARY = re.compile(r"^=* ?(\d+ (?:passed|failed|error).*? in [\d.]+s(?: \([\d:]+\))?) ?=*$", re.M)


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
        "summary": found[-1] if found else f"exit {result.returncode} (see {WORK})",
        "load": (load_before[0], load_after[0]),
    }


def combine(data: Path) -> None:
    """Merge the per-process data files (xdist workers, measured subprocesses) into ``data``."""
    import coverage

    parts = [str(p) for p in data.parent.glob(f"{data.name}.*")]
    if parts:  # pytest-cov combined most of them already; these came late (processes ending after it)
        cov = coverage.Coverage(data_file=str(data))
        if data.exists():
            cov.load()  # combine() alone would start from empty and drop what pytest-cov combined
        cov.combine(parts, keep=False)
        cov.save()


def executed_lines(data: Path) -> dict[str, set[int]]:
    """file → the statements of dalearn/ the run executed (coverage's analysis: a statement over
    several lines counts once, under its first line, as in ``coverage report``)."""
    import coverage

    cov = coverage.Coverage(data_file=str(data), config_file=str(coverage_config()))
    cov.load()
    executed = {}
    for path in sorted((ROOT / "dalearn").rglob("*.py")):
        _, statements, _, missing, _ = cov.analysis2(str(path))
        executed[str(path)] = set(statements) - set(missing)
    return executed


def statements() -> int:
    """Statements in dalearn/ (coverage's own count)."""
    import coverage

    cov = coverage.Coverage(data_file=str(WORK / "fast.coverage"), config_file=str(coverage_config()))
    cov.load()
    return sum(len(cov.analysis2(str(path))[1]) for path in sorted((ROOT / "dalearn").rglob("*.py")))


def report(runs: list[dict]) -> str:
    lines = [
        f"Machine: {os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), Python {platform.python_version()}.",
        "",
        "| tests | coverage run | wall time (s) | pytest | load avg 1 min before → after |",
        "| --- | --- | ---: | --- | --- |",
    ]
    for run in runs:
        before, after = run["load"]
        lines.append(
            f"| {run['tier']} | {'yes' if run['coverage'] else 'no'} | {run['seconds']:.0f} | {run['summary']} "
            f"| {before:.2f} → {after:.2f} |"
        )
    measured = {
        tier: executed_lines(WORK / f"{tier}.coverage")
        for tier in COVERAGE_RUNS
        if (WORK / f"{tier}.coverage").exists()
    }
    if set(COVERAGE_RUNS) <= set(measured):  # the full tier: the fast tests and the slow ones
        fast, slow = measured["fast"], measured["slow"]
        measured["full"] = {f: fast.get(f, set()) | slow.get(f, set()) for f in {*fast, *slow}}
    if measured:
        total = statements()
        lines += ["", "| tests | lines of dalearn/ executed | of its statements |", "| --- | ---: | ---: |"]
        for tier, files in measured.items():
            count = sum(len(v) for v in files.values())
            lines.append(f"| {tier} | {count} | {100 * count / total:.1f} % of {total} |")
    if {"fast", "full"} <= set(measured) and any(measured["full"].values()):
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
    parser.add_argument("--tiers", nargs="+", choices=["fast", "full"], default=["fast", "full"], help="tiers to time")
    parser.add_argument("--workers", type=int, default=2, help="xdist workers (scripts/test uses 2)")
    parser.add_argument("--no-timing", action="store_true", help="skip the plain (uncovered) timing runs")
    parser.add_argument("--no-coverage", action="store_true", help="skip the coverage runs")
    parser.add_argument(
        "--coverage-of",
        nargs="+",
        choices=COVERAGE_RUNS,
        default=list(COVERAGE_RUNS),
        help="redo only these coverage runs",
    )
    parser.add_argument("--reuse", action="store_true", help="run nothing; report from the last coverage data")
    parser.add_argument("--out", type=Path, help="also write the report (Markdown) to this file")
    args = parser.parse_args(argv)
    WORK.mkdir(parents=True, exist_ok=True)
    runs = []
    if not args.reuse:
        plan = [] if args.no_timing else [(tier, False) for tier in args.tiers]
        plan += [] if args.no_coverage else [(tier, True) for tier in args.coverage_of]
        for tier, coverage in plan:
            runs.append(run_tier(tier, args.workers, coverage))
            what = f"{tier} tests with coverage" if coverage else f"{tier} tier"
            print(f"[test_tiers] {what}: {runs[-1]['seconds']:.0f} s, {runs[-1]['summary']}", flush=True)
    text = report(runs)
    print(text)
    if args.out:
        args.out.write_text(text)
    return 0 if all(run["returncode"] == 0 for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
