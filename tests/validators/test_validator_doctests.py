"""The ``>>>`` examples in every module of dalearn.validators run and pass."""

from __future__ import annotations

import doctest
import importlib

import pytest

from dalearn.validators import available
from dalearn.validators.registry import validator_modules

VALIDATOR_MODULES = sorted({cls.__module__ for cls in available().values()})


@pytest.mark.parametrize("module_name", validator_modules())
def test_doctests(module_name):
    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{module_name}: {result.failed} doctest(s) failed"
    if module_name in VALIDATOR_MODULES:
        assert result.attempted > 0, f"{module_name} has no doctest example"
