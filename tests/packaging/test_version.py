"""One version source (``dalearn.__version__``), shown by ``--version`` on every console script
(the Hydra ones included, which would otherwise print Hydra's version), and the same number in
pyproject's dynamic version, the changelog and CITATION.cff."""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import pytest

import dalearn
from dalearn.cli.version import version_line, with_version_flag

tomllib = pytest.importorskip("tomllib")  # standard library from Python 3.11 (skipped on 3.10)

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SCRIPTS = PYPROJECT["project"]["scripts"]


def test_the_version_has_one_source():
    assert re.fullmatch(r"\d+\.\d+\.\d+", dalearn.__version__)
    assert "version" not in PYPROJECT["project"], "pyproject must not repeat the version"
    assert PYPROJECT["project"]["dynamic"] == ["version"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "dalearn.__version__"}


def test_changelog_and_citation_name_this_version():
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    released = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$", changelog, flags=re.MULTILINE)
    assert released and released[0] == dalearn.__version__, "the newest CHANGELOG release is this version"
    assert f"[{dalearn.__version__}]: " in changelog, "every release heading has its link"
    citation = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert re.search(rf"^version: {re.escape(dalearn.__version__)}$", citation, flags=re.MULTILINE)


def test_there_are_eight_console_scripts():
    assert sorted(SCRIPTS) == sorted(
        [
            "dalearn-train",
            "dalearn-eval",
            "dalearn-collect",
            "dalearn-select",
            "dalearn-data",
            "dalearn-drift",
            "dalearn-analyze",
            "dalearn-recipes",
        ]
    )


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_every_console_script_answers_version(script, monkeypatch, capsys):
    """Called as the console script calls it (bare, the command line in ``sys.argv``)."""
    module, function = SCRIPTS[script].split(":")
    main = getattr(importlib.import_module(module), function)
    monkeypatch.setattr(sys, "argv", [script, "--version"])
    assert main() == 0
    assert capsys.readouterr().out == f"dalearn {dalearn.__version__}\n"


def test_the_flag_leaves_other_calls_alone(monkeypatch):
    calls = []

    @with_version_flag
    def main(argv=None):
        calls.append(argv)
        return 7

    monkeypatch.setattr(sys, "argv", ["prog", "--version"])
    assert main(["run", "--out", "x"]) == 7  # an explicit command line without the flag runs
    assert main(argv=["--version"]) == 0 and calls == [["run", "--out", "x"]]
    cfg = object()  # a Hydra main called with a composed config parses no command line

    @with_version_flag
    def hydra_like(config):
        return config

    assert hydra_like(cfg) is cfg
    assert version_line() == f"dalearn {dalearn.__version__}"
