"""dalearn-train writes into, and clears, only its own run directory: a foreign folder (another
Lightning project's checkpoints/last.ckpt, a user's files) is refused before any work with
nothing changed; clearing an earlier attempt or overwrite=true deletes only dalearn's files; a
run directory of an earlier dalearn version is adopted; names that would leave the output root
are refused before Hydra creates anything; and the run's files honour the umask."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch

from dalearn.io.ownership import MARKER, ForeignFolderError, read_marker, write_marker
from dalearn.run.resolvers import run_hash
from dalearn.run.rundir import RunDirectory
from dalearn.run.training import checkpoint_to_resume, train


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def foreign_project(folder: Path) -> dict[str, bytes]:
    """A folder of another Lightning project: Lightning's default checkpoints/last.ckpt, a
    model file of its own, notes, a metrics.json."""
    (folder / "checkpoints").mkdir(parents=True)
    torch.save({"state_dict": {"w": torch.ones(1)}, "global_step": 99}, folder / "checkpoints" / "last.ckpt")
    (folder / "checkpoints" / "my_model_epoch99.pt").write_bytes(b"mine")
    (folder / "notes.txt").write_text("keep me")
    (folder / "metrics.json").write_text('{"mine": 1}')
    return snapshot(folder)


@pytest.mark.parametrize("overrides", [[], ["overwrite=true"], ["resume=true"]], ids=["plain", "overwrite", "resume"])
def test_a_foreign_folder_is_refused_before_any_work_and_left_as_it_was(train_cfg, tmp_path, overrides):
    cfg = train_cfg(overrides, name="foreign")
    before = foreign_project(Path(cfg.paths.run_dir))
    with pytest.raises(ForeignFolderError) as error:
        train(cfg)
    message = str(error.value)
    assert cfg.paths.run_dir in message and "checkpoints" in message and "notes.txt" in message
    assert "hydra.run.dir" in message
    assert snapshot(Path(cfg.paths.run_dir)) == before
    assert sorted(p.name for p in Path(cfg.paths.run_dir).iterdir()) == ["checkpoints", "metrics.json", "notes.txt"]


def test_a_folder_of_another_run_is_refused(train_cfg):
    cfg = train_cfg(name="other")
    write_marker(cfg.paths.run_dir, "run", run_hash="00000000")
    with pytest.raises(ForeignFolderError, match=r"run folder of run 00000000"):
        train(cfg)


def own_attempt(cfg) -> RunDirectory:
    """This run's directory after a killed attempt, with a foreign file put beside its checkpoints."""
    run = RunDirectory(cfg.paths.run_dir)
    write_marker(run.path, "run", run_hash=run_hash(cfg))
    run.checkpoints.mkdir()
    for name in ("last.ckpt", "best.ckpt"):
        torch.save({"state_dict": {"w": torch.ones(1)}, "global_step": 3}, run.checkpoints / name)
    (run.checkpoints / "my_model_epoch99.pt").write_bytes(b"mine")
    (run.path / "metrics.json").write_text("{}")
    return run


def test_starting_over_deletes_only_what_dalearn_wrote(train_cfg):
    cfg = train_cfg(name="attempt")
    run = own_attempt(cfg)
    assert checkpoint_to_resume(cfg, run) is None
    assert sorted(p.name for p in run.checkpoints.iterdir()) == ["my_model_epoch99.pt"]
    assert not run.metrics.exists() and (run.path / MARKER).is_file()


def test_clearing_with_overwrite_leaves_foreign_files_and_removes_an_emptied_checkpoints_folder(tmp_path):
    run = RunDirectory(tmp_path / "run")
    run.checkpoints.mkdir(parents=True)
    for name in ("best.ckpt", "last.ckpt", "epoch3.ckpt"):
        (run.checkpoints / name).write_bytes(b"x")
    run.mark_done()
    run.write_metrics({"tgt_acc": 0.5})
    removed = run.clear_results(["best.ckpt", "last.ckpt", "epoch3.ckpt"])
    assert {p.name for p in removed} == {"done", "metrics.json", "best.ckpt", "last.ckpt", "epoch3.ckpt"}
    assert not run.checkpoints.exists()


def test_a_run_directory_of_an_earlier_version_is_adopted(train_cfg, tmp_path):
    cfg = train_cfg(name="placeholder")
    folder = tmp_path / "runs" / f"seed0-{run_hash(cfg)}"
    cfg.paths.run_dir = str(folder)
    folder.mkdir(parents=True)
    (folder / "config.yaml").write_text("seed: 0\n")
    (folder / "done").write_text("complete\n")
    (folder / "metrics.json").write_text(json.dumps({"tgt_acc": 0.5, "src_acc": 0.4}))
    RunDirectory(folder).claim(run_hash(cfg))
    assert read_marker(folder)["run_hash"] == run_hash(cfg)
    renamed = tmp_path / "runs" / "somewhere-else"
    renamed.mkdir()
    (renamed / "config.yaml").write_text("seed: 0\n")
    with pytest.raises(ForeignFolderError):
        RunDirectory(renamed).claim(run_hash(cfg))


@pytest.mark.parametrize("override", ["method.name=../../../escaped", "data.name=/abs", "method.name=a/b"])
def test_names_that_leave_the_output_root_are_refused(train_cfg, override, tmp_path):
    from omegaconf.errors import InterpolationResolutionError

    cfg = train_cfg([override], name="escape")
    with pytest.raises(InterpolationResolutionError, match=r"cannot be a folder name"):
        str(cfg.paths.run_name)  # what Hydra resolves for hydra.run.dir, before it creates the folder
    with pytest.raises(ValueError, match=r"cannot be a folder name"):
        train(cfg)
    assert not Path(cfg.paths.run_dir).exists() and not (tmp_path / "escaped").exists()


def test_a_run_directory_honours_the_umask(train_cfg):
    """A few iterations on the offline digits: every file 0644 and every folder 0755 under umask 022."""
    cfg = train_cfg(["cpu_threads=1"], name="modes")
    previous = os.umask(0o022)
    try:
        train(cfg)
    finally:
        os.umask(previous)
    run = Path(cfg.paths.run_dir)
    files = [run / "metrics.json", run / "config.yaml", run / "done", run / MARKER, *run.glob("checkpoints/*.ckpt")]
    assert len(files) == 6
    assert {oct(p.stat().st_mode & 0o777) for p in files} == {"0o644"}
    assert {oct(p.stat().st_mode & 0o777) for p in (run, run / "checkpoints")} == {"0o755"}
