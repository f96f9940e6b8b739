"""data=custom runs carry a task made from their two domains (folder name + a digest of the
domain's settings and absolute paths): runs on different target sets are two tasks in
dalearn-collect's tables (before, one task "custom": the collector refused them as duplicates),
and the same data gives the same task from any launch directory."""

from __future__ import annotations

import json
import os
from pathlib import Path

from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from dalearn.run.config import CONFIG_DIR
from dalearn.run.resolvers import domain_label
from dalearn.tables import build_tables, read_runs


def custom_cfg(*overrides: str):
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        return compose(config_name="train", overrides=["data=custom", *overrides])


def finished_run(sweep: Path, cfg, name: str, accuracy: float) -> Path:
    run = sweep / "custom" / "dann" / name
    cfg.paths.run_dir = str(run)
    run.mkdir(parents=True)
    (run / "config.yaml").write_text(OmegaConf.to_yaml(cfg, resolve=True))
    record = {"epoch": 0, "step": 3, "tgt_acc": accuracy, "tgt_mean_class_acc": accuracy, "tgt_eval_split": "x"}
    (run / "metrics.json").write_text(json.dumps({"selection": "oracle", **record, "by_selection": {"oracle": record}}))
    (run / "done").write_text("complete\n")
    return run


def test_runs_on_different_target_folders_are_different_tasks(tmp_path):
    a = custom_cfg(f"data.source.path={tmp_path / 'photos'}", f"data.target.path={tmp_path / 'site_a' / 'images'}")
    b = custom_cfg(f"data.source.path={tmp_path / 'photos'}", f"data.target.path={tmp_path / 'site_b' / 'images'}")
    assert a.data.task != b.data.task
    assert a.data.task.startswith("photos#") and "→images#" in a.data.task
    sweep = tmp_path / "sweep"
    finished_run(sweep, a, "seed0-aaaaaaaa", 0.5)
    finished_run(sweep, b, "seed0-bbbbbbbb", 0.7)
    runs = read_runs(sweep)
    assert len({run.task for run in runs}) == 2
    tables, _ = build_tables(runs, [])
    assert [sorted(c.task for c in table.columns) for table in tables] == [sorted([a.data.task, b.data.task])]


def test_the_same_data_is_the_same_task_from_any_launch_directory(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    monkeypatch.chdir(tmp_path)
    relative = custom_cfg("data.source.path=data/src", "data.target.path=data/tgt").data.task
    monkeypatch.chdir(folder.parent.parent)
    absolute = custom_cfg(f"data.source.path={folder / 'src'}", f"data.target.path={folder / 'tgt'}").data.task
    assert relative == absolute
    assert os.getcwd() != str(tmp_path)


def test_other_settings_of_a_domain_change_its_label_and_benchmarks_read_well():
    split = {"_target_": "dalearn.data.domains.image_folder", "path": "/d", "test_fraction": 0.0}
    assert domain_label(split) != domain_label({**split, "test_fraction": 0.2})
    assert domain_label({"_target_": "dalearn.data.domains.benchmark", "domain": "office31:A"}).startswith(
        "office31:A#"
    )
    offline = {"_target_": "dalearn.data.domains.offline", "dataset": "digits", "variant": "drift"}
    assert domain_label(offline).startswith("digits:drift#")
