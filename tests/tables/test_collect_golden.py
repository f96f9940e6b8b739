"""Golden files: dalearn-collect on hand-written sweep folders (see golden_sweeps.py) must
write exactly the Markdown, CSV and LaTeX committed under ``tests/tables/golden/<case>/``.

After an intended change of the output, regenerate the files with
``DALEARN_UPDATE_GOLDEN=1 python -m pytest tests/tables/test_collect_golden.py`` and review
the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from golden_sweeps import office31_sweep, offline_sweep

from dalearn.cli.collect import main
from dalearn.io.ownership import MARKER

GOLDEN = Path(__file__).parent / "golden"
BUILDERS = {"office31": office31_sweep, "offline": offline_sweep}


@pytest.mark.parametrize("case", sorted(BUILDERS))
def test_tables_match_golden_files(case, tmp_path, capsys):
    sweep = BUILDERS[case](tmp_path / case)
    assert main([str(sweep), "--quiet"]) == 0
    written = {p.name: p.read_text(encoding="utf-8") for p in sorted((sweep / "tables").iterdir()) if p.name != MARKER}
    expected_dir = GOLDEN / case
    if os.environ.get("DALEARN_UPDATE_GOLDEN"):
        expected_dir.mkdir(parents=True, exist_ok=True)
        for stale in expected_dir.iterdir():
            stale.unlink()
        for name, text in written.items():
            (expected_dir / name).write_text(text, encoding="utf-8")
    expected = {p.name: p.read_text(encoding="utf-8") for p in sorted(expected_dir.iterdir())}
    assert sorted(written) == sorted(expected)
    for name in expected:
        assert written[name] == expected[name], f"{case}/{name} differs from the golden file"
