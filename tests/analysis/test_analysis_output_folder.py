"""dalearn-analyze writes only into a folder it may replace: ``--out`` holding someone's files,
or a run directory, is refused before any work; an earlier version's analysis folder is
replaced; a killed analysis's temporary folder is removed by the next one; what it writes
honours the umask."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch
from omegaconf import OmegaConf

from dalearn.analysis import analyze
from dalearn.analysis.pipeline import OUTPUT_FILES, output_folder
from dalearn.cli.analyze import main
from dalearn.io.atomic import _host
from dalearn.io.ownership import MARKER, ForeignFolderError, read_marker, write_marker


def test_an_out_folder_with_a_file_in_it_is_kept_and_refused_before_any_work(tmp_path, capsys):
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "thesis.tex").write_text("keep")
    missing_run = tmp_path / "no-such-run"  # nothing is read before the output folder is checked
    with pytest.raises(ForeignFolderError, match=r"thesis.tex.*give --out a new or empty folder"):
        analyze(missing_run, out=out)
    assert main([str(missing_run), "--out", str(out)]) == 2
    assert "dalearn will not write into it" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["thesis.tex"] and (out / "thesis.tex").read_text() == "keep"


def test_a_run_directory_as_out_is_refused(tmp_path):
    run = tmp_path / "run"
    write_marker(run, "run", run_hash="12345678")
    (run / "metrics.json").write_text("{}")
    with pytest.raises(ForeignFolderError, match=r"is a dalearn run folder of run 12345678"):
        analyze(run, out=run)
    assert (run / "metrics.json").exists()


def test_an_earlier_versions_analysis_folder_may_be_replaced(tmp_path):
    out = tmp_path / "run" / "analysis"
    out.mkdir(parents=True)
    for name in OUTPUT_FILES[:5]:
        (out / name).write_text("old")
    assert output_folder(tmp_path / "run", out, None) == out
    assert read_marker(out)["kind"] == "analysis"


def test_a_killed_analysis_leaves_a_temporary_the_next_one_removes(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    run = tmp_path / "run"
    run.mkdir()
    left = run / f".analysis.{_host()}.{dead.pid}.abc123.tmp"
    left.mkdir()
    (left / "features.npz").write_bytes(b"half")
    alive = run / f".analysis.{_host()}.{os.getpid()}.def456.tmp"
    alive.mkdir()
    other = run / f".metrics.json.{_host()}.{dead.pid}.aaa.tmp"
    other.write_text("not the analysis's")
    output_folder(run, run / "analysis", None)
    assert not left.exists() and alive.exists() and other.exists()


@pytest.fixture
def small_run(tmp_path):
    """A run directory (digits, Source-Only on LeNet) with a checkpoint of untrained weights."""
    from hydra import compose, initialize_config_dir

    from dalearn.run.config import CONFIG_DIR
    from dalearn.run.factory import build_model

    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose(config_name="train", overrides=["debug=fast", "method=source_only"])
    run = tmp_path / "run"
    cfg.paths.run_dir = str(run)
    (run / "checkpoints").mkdir(parents=True)
    (run / "config.yaml").write_text(OmegaConf.to_yaml(cfg, resolve=True))
    torch.save({"state_dict": build_model(cfg, 10).state_dict()}, run / "checkpoints" / "best.ckpt")
    return run


def test_an_analysis_folder_honours_the_umask_and_carries_its_marker(small_run):
    previous = os.umask(0o022)
    try:
        analyze(small_run, max_per_domain=20, tsne_per_domain=20)
    finally:
        os.umask(previous)
    out = small_run / "analysis"
    assert read_marker(out)["kind"] == "analysis"
    assert oct(out.stat().st_mode & 0o777) == "0o755"
    assert {oct(p.stat().st_mode & 0o777) for p in out.iterdir()} == {"0o644"}
    assert {p.name for p in out.iterdir()} - {MARKER} <= set(OUTPUT_FILES)
    assert sorted(p.name for p in small_run.iterdir()) == ["analysis", "checkpoints", "config.yaml"]
