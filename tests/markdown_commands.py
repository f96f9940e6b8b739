"""Run a Markdown page's code as a reader would: its fenced ``bash`` blocks line by line (each
line a dalearn console script, run as that script runs) and its ``python`` blocks as scripts,
in order, in one working folder. Shared by the README's tests and the docs pages' tests.

A block that cannot run here (a download, a GPU, a cluster, a placeholder path) is marked on
the line before its fence, with the reason: ``<!-- not run: needs a GPU -->``.

Two changes keep the runs short and make them reproducible, and nothing else is changed:
``dalearn-train`` gets ``debug=fast cpu_threads=1 data.num_workers=0`` appended (a few
iterations), ``dalearn-analyze`` smaller subsamples; a path part ``seed<k>-<hash>`` is
replaced by the one run directory that matches it.
"""

from __future__ import annotations

import glob
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[1]


def _scripts() -> dict[str, str]:
    """console script → "module:function", from pyproject.toml (wherever the entry points live;
    on Python 3.10, without tomllib, from the installed package's metadata)."""
    try:
        import tomllib
    except ModuleNotFoundError:
        from importlib.metadata import entry_points

        return {e.name: e.value for e in entry_points(group="console_scripts") if e.name.startswith("dalearn-")}
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]


SCRIPTS = _scripts()
SHORTER = {
    "dalearn-train": ["debug=fast", "cpu_threads=1", "data.num_workers=0"],
    "dalearn-analyze": ["--tsne-per-domain", "150", "--max-per-domain", "400"],
}
NOT_RUN = re.compile(r"<!--\s*not run:\s*(?P<reason>.*?)\s*-->")
FENCE = re.compile(r"^```(?P<language>[\w-]*)[^\n]*\n(?P<code>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


@dataclass
class Block:
    language: str
    code: str
    line: int
    not_run: Optional[str]  # the reason, for a block marked not to run


def blocks(text: str) -> list[Block]:
    """Every fenced block of ``text``, with the reason it is not run (None: it runs)."""
    found = []
    for match in FENCE.finditer(text):
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        reason = NOT_RUN.fullmatch(before.strip())
        found.append(
            Block(
                match["language"],
                match["code"],
                text.count("\n", 0, match.start()) + 1,
                reason["reason"] if reason else None,
            )
        )
    return found


def section(text: str, heading: str) -> str:
    """The text under ``heading`` (a ``## …`` line) up to the next ``## `` heading."""
    assert heading in text, f"lost the heading {heading!r}"
    return text.split(heading, 1)[1].split("\n## ", 1)[0]


def commands(code: str) -> list[list[str]]:
    """The command lines of a shell block (continuations joined, comments dropped)."""
    joined = code.replace("\\\n", " ")
    return [argv for argv in (shlex.split(line, comments=True) for line in joined.splitlines()) if argv]


def fill_placeholders(argument: str, cwd: Path) -> str:
    """``…/seed0-<hash>/…`` → the one existing path that matches, relative to ``cwd``."""
    if "<hash>" not in argument:
        return argument
    key, sep, value = argument.partition("=") if "=" in argument.split("/", 1)[0] else ("", "", argument)
    head, marker, tail = value.partition("<hash>")
    rest = tail.split("/", 1)
    pattern = head + "*" + rest[0]
    matches = sorted(glob.glob(str(cwd / pattern)))
    assert len(matches) == 1, f"{argument}: expected one run directory matching {pattern} in {cwd}, found {matches}"
    filled = os.path.relpath(matches[0], cwd) + ("/" + rest[1] if len(rest) > 1 else "")
    return f"{key}{sep}{filled}"


def run_command(argv: list[str], cwd: Path, timeout: int = 900) -> str:
    """Run one documented command line as its console script; returns stdout + stderr."""
    name = argv[0]
    assert name in SCRIPTS, (
        f"{' '.join(argv)}: only dalearn's console scripts {sorted(SCRIPTS)} run in a documentation test; "
        "mark the block <!-- not run: reason --> if it cannot run here"
    )
    module, function = SCRIPTS[name].split(":")
    arguments = [fill_placeholders(a, cwd) for a in argv[1:]] + SHORTER.get(name, [])
    launcher = f"import sys; sys.argv[0] = {name!r}; from {module} import {function} as main; sys.exit(main())"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", launcher, *arguments], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{' '.join(argv)} failed ({done.returncode}):\n{output[-4000:]}"
    return output


def run_python(code: str, cwd: Path, timeout: int = 600) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"python block failed:\n{done.stderr[-4000:]}"
    return done.stdout + done.stderr


def runnable(text: str) -> list[Block]:
    """The ``bash`` and ``python`` blocks of ``text`` that run."""
    return [b for b in blocks(text) if b.language in ("bash", "python") and b.not_run is None]


def run_page(text: str, cwd: Path) -> dict[str, str]:
    """Run every runnable block of ``text`` in order in ``cwd``; returns each command's output."""
    outputs = {}
    for block in runnable(text):
        if block.language == "python":
            outputs[f"python block at line {block.line}"] = run_python(block.code, cwd)
            continue
        for argv in commands(block.code):
            outputs[" ".join(argv)] = run_command(argv, cwd)
    return outputs
