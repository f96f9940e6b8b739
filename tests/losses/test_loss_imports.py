"""``import dalearn.losses`` (and ``dalearn.nn``) must stay torch-only: users copy these into
their own loops without Lightning or Hydra."""

from __future__ import annotations

import subprocess
import sys

import pytest

CHECK = """
import sys
import dalearn.losses, dalearn.nn
heavy = sorted(m for m in sys.modules if m.split('.')[0] in {'lightning', 'pytorch_lightning', 'lightning_fabric', 'hydra'})
print(','.join(heavy))
"""


@pytest.mark.slow
def test_losses_import_without_lightning_or_hydra():
    result = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
