"""The ``>>>`` examples in the loss docstrings run and print what they claim."""

from __future__ import annotations

import doctest
import importlib

import pytest
import torch

MODULES = [
    "dalearn.losses.afn",
    "dalearn.losses.bnm",
    "dalearn.losses.bsp",
    "dalearn.losses.cdan",
    "dalearn.losses.dann",
    "dalearn.losses.information_maximization",
    "dalearn.losses.jmmd",
    "dalearn.losses.mcc",
    "dalearn.losses.mcd",
    "dalearn.losses.mdd",
    "dalearn.losses.mmd",
    "dalearn.losses.self_training",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_pass(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, extraglobs={"torch": torch}, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no >>> example"
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed (run doctest on it to see)"
