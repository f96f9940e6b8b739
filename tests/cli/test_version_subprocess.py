"""``dalearn-train --version`` in a real process prints dalearn's version, not Hydra's."""

from __future__ import annotations

import subprocess
import sys

import pytest

import dalearn


@pytest.mark.slow
@pytest.mark.parametrize("module", ["dalearn.cli.train", "dalearn.cli.drift"])
def test_hydra_command_prints_dalearn_version(module):
    done = subprocess.run(
        [sys.executable, "-m", module, "--version"], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"dalearn {dalearn.__version__}"
    assert "Hydra" not in done.stdout + done.stderr
