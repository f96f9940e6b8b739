"""The README's "Train on your own images" and "Look inside a run" sections work offline as
written: the script, the dalearn-drift and dalearn-train commands (shortened with
debug=fast), then dalearn-analyze on the two runs — run by tests/markdown_commands.py, the
mechanism the docs pages' tests use too."""

from __future__ import annotations

import glob
from pathlib import Path

import pytest
from markdown_commands import blocks, commands, run_command, run_python, section

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.slow
@pytest.mark.timeout(1200)  # several console commands, each a process that imports torch
def test_readme_own_images_commands_run_as_written(tmp_path):
    text = README.read_text(encoding="utf-8")
    own = [b for b in blocks(section(text, "## Train on your own images")) if b.language in ("python", "bash")]
    assert [b.language for b in own] == ["python", "bash"]
    run_python(own[0].code, tmp_path)
    assert len(list((tmp_path / "my_digits").glob("*/*.png"))) == 1797
    for argv in commands(own[1].code):
        run_command(argv, tmp_path)
    runs = {m: glob.glob(str(tmp_path / f"outputs/runs/custom/{m}/seed0-*")) for m in ("dann", "source_only")}
    assert all(len(found) == 1 for found in runs.values()), runs
    (analyze,) = [b for b in blocks(section(text, "## Look inside a run")) if b.language == "bash"]
    (argv,) = commands(analyze.code)
    output = run_command(argv, tmp_path)
    assert "target accuracy" in output and " vs Source Only " in output
    assert (Path(runs["dann"][0]) / "analysis" / "index.html").is_file()
