"""The documentation site: ``mkdocs build --strict`` passes (every link, every API page from
the docstrings), and the commands on its pages run as written (tests/markdown_commands.py:
the mechanism the README's tests use), or say why they cannot."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from markdown_commands import SCRIPTS, blocks, commands, run_page, runnable

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted((ROOT / "docs").glob("*.md"))
RUNNABLE = [page for page in PAGES if runnable(page.read_text(encoding="utf-8"))]


def test_every_page_is_in_the_site_and_every_block_runs_or_says_why():
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for page in PAGES:
        assert page.name in config, f"{page.name} is not in mkdocs.yml's nav"
        for block in blocks(page.read_text(encoding="utf-8")):
            if block.not_run is not None:
                assert block.not_run.strip(), f"{page.name}:{block.line}: say why the block does not run"
            elif block.language == "bash":
                for argv in commands(block.code):
                    assert argv[0] in SCRIPTS, (
                        f"{page.name}:{block.line}: {argv[0]} cannot run in a test; mark the block"
                    )
    assert {p.name for p in RUNNABLE} >= {"quickstart.md", "own-images.md", "runs.md", "benchmarks.md"}


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("mkdocs") is None, reason="needs the docs extra (pip install 'dalearn[docs]')"
)
def test_the_site_builds_strictly(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    site = tmp_path / "site"
    for page in [
        "index.html",
        "quickstart/index.html",
        "api/losses/index.html",
        "api/run/index.html",
        "changelog/index.html",
    ]:
        assert (site / page).is_file(), page
    losses = (site / "api/losses/index.html").read_text(encoding="utf-8")
    assert "DomainAdversarialLoss" in losses and "MinimumClassConfusionLoss" in losses  # generated from the code
    assert "0.2.0" in (site / "changelog/index.html").read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("page", RUNNABLE, ids=[p.name for p in RUNNABLE])
def test_the_commands_on_the_page_run(page, tmp_path):
    outputs = run_page(page.read_text(encoding="utf-8"), tmp_path)
    assert outputs
    if page.name == "own-images.md":
        analyze = next(text for command, text in outputs.items() if command.startswith("dalearn-analyze"))
        assert " vs Source Only " in analyze and " points" in analyze  # the headline
    if page.name == "quickstart.md":  # dalearn-eval tested the digits model on the other task, as the page says
        (evaluation,) = tmp_path.glob("outputs/runs/digits_clean2drift/dann/seed0-*/eval.json")
        assert json.loads(evaluation.read_text())["data"] == "digits_clean2m"
