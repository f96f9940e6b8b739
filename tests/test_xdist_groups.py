"""The suite's ``xdist_group`` marks hold: under ``--dist loadgroup`` (how ``scripts/test`` runs)
every test of a group runs on one worker, so a module fixture that trains is built once. With
pytest 9.2 and pytest-xdist 3.8 the groups are silently spread over the workers unless
tests/conftest.py restores their node-id suffix (pytest-xdist issue 1386); this runs a
throwaway module of six grouped tests on two workers with that conftest and checks they share
one worker and one fixture."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

MODULE = """
import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.xdist_group("together")
BUILT = []


@pytest.fixture(scope="module")
def expensive():
    BUILT.append(os.environ["PYTEST_XDIST_WORKER"])
    return BUILT


@pytest.mark.parametrize("i", range(6))
def test_grouped(expensive, i):
    with open(Path(__file__).parent / "ran.txt", "a") as log:
        log.write(f"RAN {i} ON {os.environ['PYTEST_XDIST_WORKER']} BUILT {len(expensive)}\\n")
"""


@pytest.mark.slow
def test_a_group_runs_on_one_worker_with_one_fixture(tmp_path):
    shutil.copy(Path(__file__).parent / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_grouped.py").write_text(MODULE)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-p", "no:cacheprovider", "-q"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    lines = (tmp_path / "ran.txt").read_text().splitlines()
    assert len(lines) == 6, lines
    assert len({line.split()[3] for line in lines}) == 1, lines  # one worker
    assert {line.split()[-1] for line in lines} == {"1"}, lines  # one fixture
