"""Every ``>>>`` example in dalearn's docstrings runs and prints what it claims.

Modules are found by reading the package's files (a module with an example is tested
without editing a list); each runs under :mod:`doctest` with ``torch`` in its globals.
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest
import torch

PACKAGE = Path(__file__).resolve().parent.parent / "dalearn"


def modules_with_examples() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if ">>> " not in path.read_text(encoding="utf-8"):
            continue
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


MODULES = modules_with_examples()


def test_examples_were_found():
    assert any(name.startswith("dalearn.losses.") for name in MODULES)
    assert any(name.startswith("dalearn.metrics.") for name in MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_pass(name):
    module = importlib.import_module(name)
    torch.manual_seed(0)
    result = doctest.testmod(module, extraglobs={"torch": torch}, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} mentions '>>> ' but doctest found no example in it"
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed: python -m doctest -v {name}"
