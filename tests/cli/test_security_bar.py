"""The bar of "one trusted way in and out", end to end with the console commands on a tiny real
run (slow: a few training iterations and one subprocess per command):

- the run's directory, with a payload planted in ``config.yaml`` and ``.hydra/config.yaml``
  (and a pickled callable in its checkpoint), run through ``dalearn-eval`` and
  ``dalearn-analyze``, creates nothing — one payload of each shape the trusted reader walks (a
  top-level ``_target_``, one three levels deep, one inside ``_args_``, an interpolation that
  decodes to a ``_target_``); every payload through every entry point, in-process and with the
  same reader, is tests/cli/test_shared_run_payloads.py (fast tier);
- ``dalearn-analyze RUN --out <a folder with a file in it>`` keeps the file;
- ``dalearn-train hydra.run.dir=<a foreign folder with checkpoints/last.ckpt, its own .hydra/ and
  train.log and another file>`` changes and adds nothing there (refused before Hydra writes);
- ``metrics.json`` is 0644 under umask 022."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from shared_run_payloads import CONFIG_PAYLOADS, PICKLE_PAYLOADS, copy_run, hostile_checkpoint, plant, prepare_lab

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent


def command(name: str, *args: str, cwd: Path, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["/bin/sh", "-c", 'umask 022 && exec "$@"', "sh", str(BIN / name), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory) -> Path:
    cwd = tmp_path_factory.mktemp("launch")
    result = command("dalearn-train", "debug=fast", "cpu_threads=1", f"paths.output_root={cwd / 'out'}", cwd=cwd)
    assert result.returncode == 0, result.stderr[-2000:]
    (run,) = (cwd / "out" / "runs").glob("*/*/seed0-*")
    return run


def test_the_run_directory_honours_the_umask(tiny_run):
    assert oct((tiny_run / "metrics.json").stat().st_mode & 0o777) == "0o644"
    assert {oct(p.stat().st_mode & 0o777) for p in (tiny_run / "checkpoints").iterdir()} == {"0o644"}
    assert oct(tiny_run.stat().st_mode & 0o777) == "0o755"


#: one payload per shape the reader walks (two console commands each, seconds apiece; the
#: other payloads take the same path through the same reader: test_shared_run_payloads.py).
END_TO_END_PAYLOADS = ("os.system", "three-levels-deep", "_args_", "interpolation-oc.decode")


@pytest.mark.parametrize("payload", END_TO_END_PAYLOADS)
def test_each_config_payload_through_eval_and_analyze_creates_nothing(payload, tiny_run, tmp_path, monkeypatch):
    marker, lab = tmp_path / "created-by-payload", tmp_path / "lab"
    prepare_lab(lab, marker, monkeypatch)
    env = {**os.environ, "PYTHONPATH": str(lab / "modules")}
    location, node = CONFIG_PAYLOADS[payload]
    run = copy_run(tiny_run, tmp_path / "run")
    for file in (run / "config.yaml", run / ".hydra" / "config.yaml"):
        plant(file, location, node(marker, lab))
    evaluated = command("dalearn-eval", f"ckpt_path={run / 'checkpoints' / 'best.ckpt'}", cwd=tmp_path, env=env)
    analyzed = command("dalearn-analyze", str(run), cwd=tmp_path, env=env)
    assert not marker.exists(), f"the {payload} payload ran"
    assert evaluated.returncode != 0 and "trust_config=true" in evaluated.stderr, evaluated.stderr[-1500:]
    assert analyzed.returncode == 2 and "--trust-config" in analyzed.stderr, analyzed.stderr[-1500:]
    assert not (run / "eval.json").exists() and not (run / "analysis").exists()


def test_a_pickled_callable_in_the_checkpoint_creates_nothing(tiny_run, tmp_path, monkeypatch):
    marker, lab = tmp_path / "created-by-payload", tmp_path / "lab"
    prepare_lab(lab, marker, monkeypatch)
    run = copy_run(tiny_run, tmp_path / "run")
    state = torch.load(tiny_run / "checkpoints" / "best.ckpt", weights_only=True)["state_dict"]
    (run / "checkpoints" / "best.ckpt").unlink()
    hostile_checkpoint(run / "checkpoints" / "best.ckpt", PICKLE_PAYLOADS["os.system"](marker, lab), state)
    evaluated = command("dalearn-eval", f"ckpt_path={run / 'checkpoints' / 'best.ckpt'}", cwd=tmp_path)
    analyzed = command("dalearn-analyze", str(run), cwd=tmp_path)
    assert not marker.exists()
    for result in (evaluated, analyzed):
        assert result.returncode != 0 and "was refused: loading it would call" in result.stderr


def test_analyze_keeps_a_file_in_the_out_folder(tiny_run, tmp_path):
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "thesis.tex").write_text("keep")
    result = command("dalearn-analyze", str(tiny_run), "--out", str(out), cwd=tmp_path)
    assert result.returncode == 2 and "thesis.tex" in result.stderr
    assert [p.name for p in out.iterdir()] == ["thesis.tex"] and (out / "thesis.tex").read_text() == "keep"


def _contents(folder: Path) -> dict[Path, bytes | None]:
    """Every path under ``folder``, with a file's bytes (None for a folder)."""
    return {p: p.read_bytes() if p.is_file() else None for p in folder.rglob("*")}


def test_train_keeps_the_files_of_a_foreign_run_dir(tmp_path):
    foreign = tmp_path / "lightning-project"
    (foreign / "checkpoints").mkdir(parents=True)
    torch.save({"state_dict": {}, "global_step": 7}, foreign / "checkpoints" / "last.ckpt")
    (foreign / "checkpoints" / "my_model_epoch99.pt").write_bytes(b"mine")
    (foreign / "notes.txt").write_text("keep")
    (foreign / ".hydra").mkdir()  # the folder's own Hydra record and log: Hydra would overwrite them at launch
    (foreign / ".hydra" / "config.yaml").write_text("theirs: 1\n")
    (foreign / "train.log").write_text("their log\n")
    before = _contents(foreign)
    for extra in ([], ["overwrite=true"]):
        result = command(
            "dalearn-train", "debug=fast", "cpu_threads=1", f"hydra.run.dir={foreign}", *extra, cwd=tmp_path
        )
        assert result.returncode != 0 and "dalearn did not write" in result.stderr, result.stderr[-1500:]
        assert _contents(foreign) == before  # nothing changed, nothing added
