"""The README's "Train on your own images" and "Look inside a run" sections work offline as
written: the script, the dalearn-drift and dalearn-train commands (shortened with
debug=fast), then dalearn-analyze on the two runs."""

from __future__ import annotations

import glob
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
MODULES = {"dalearn-train": "dalearn.train", "dalearn-drift": "dalearn.drift.cli", "dalearn-analyze": "dalearn.analyze"}


def section(heading: str) -> str:
    text = README.read_text(encoding="utf-8")
    assert heading in text, f"README lost the heading {heading!r}"
    return text.split(heading, 1)[1].split("\n## ", 1)[0]


def commands(block: str) -> list[list[str]]:
    return [shlex.split(line) for line in block.replace("\\\n", " ").splitlines() if line.strip()]


def run(argv: list[str], cwd: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(README.parent)}
    result = subprocess.run(
        [sys.executable, "-m", MODULES[argv[0]], *argv[1:]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"{' '.join(argv)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    return result.stdout + result.stderr


@pytest.mark.slow
@pytest.mark.timeout(1200)  # several console commands, each a process that imports torch
def test_readme_own_images_commands_run_as_written(tmp_path):
    own = section("## Train on your own images")
    script = re.findall(r"```python\n(.*?)```", own, flags=re.DOTALL)
    shell = re.findall(r"```bash\n(.*?)```", own, flags=re.DOTALL)
    assert len(script) == 1 and len(shell) == 1
    subprocess.run([sys.executable, "-c", script[0]], cwd=tmp_path, check=True, timeout=300)
    assert len(list((tmp_path / "my_digits").glob("*/*.png"))) == 1797
    for argv in commands(shell[0]):
        run([*argv, "debug=fast"] if argv[0] == "dalearn-train" else argv, tmp_path)
    runs = {m: glob.glob(str(tmp_path / f"outputs/runs/custom/{m}/seed0-*")) for m in ("dann", "source_only")}
    assert all(len(found) == 1 for found in runs.values()), runs
    analyze = commands(re.findall(r"```bash\n(.*?)```", section("## Look inside a run"), flags=re.DOTALL)[0])
    assert len(analyze) == 1
    argv = [
        a.replace("outputs/runs/custom/dann/seed0-<hash>", runs["dann"][0]).replace(
            "outputs/runs/custom/source_only/seed0-<hash>", runs["source_only"][0]
        )
        for a in analyze[0]
    ]
    output = run([*argv, "--tsne-per-domain", "200"], tmp_path)
    assert "target accuracy" in output
    assert (Path(runs["dann"][0]) / "analysis" / "index.html").is_file()
