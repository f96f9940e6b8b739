"""The ``tree`` fixture: a small ImageFolder tree of random RGB images."""

from __future__ import annotations

from pathlib import Path

import pytest
from drift_helpers import make_tree


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return make_tree(tmp_path / "input")
