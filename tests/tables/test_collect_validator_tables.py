"""``dalearn-collect`` writes one table per selection rule the runs recorded, the validators
included (each run's ``by_selection`` has an entry per validator), and says in the notes how
a validator chose the epoch. ``benchmark=offline_hparams`` composes into the sweep its
config describes."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_sweep import config, metrics, write_run
from hydra import compose, initialize_config_dir

from dalearn.cli.collect import main
from dalearn.run.config import CONFIG_DIR


def test_a_table_per_validator_rule(tmp_path):
    sweep = tmp_path / "sweep"
    for seed, (oracle, ima) in enumerate(((0.80, 0.70), (0.90, 0.60))):
        result = metrics({"oracle": oracle, "ima": ima, "snd": 0.5})
        write_run(sweep, config("digits", "clean2drift", "dann", seed), result)
    assert main([str(sweep), "--quiet"]) == 0
    tables = sweep / "tables"
    assert {p.stem for p in tables.glob("*.md")} == {"oracle", "ima", "snd"}
    ima = (tables / "ima.md").read_text()
    assert "selection: ima" in ima and "65.0 ± 7.1 (2)" in ima
    assert "Selection: ima — the epoch with the best label-free validator score val/score/ima" in ima


def test_the_offline_hparams_sweep_composes_into_its_grid():
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose(config_name="train", overrides=["benchmark=offline_hparams"], return_hydra_config=True)
    params = cfg.hydra.sweeper.params
    sizes = {key: len(str(value).split(",")) for key, value in params.items()}
    assert sizes == {"experiment": 7, "data": 4, "optim.lr": 3, "seed": 2}
    total = 1
    for size in sizes.values():
        total *= size
    assert total == 168 and "168 runs" in (Path(CONFIG_DIR) / "benchmark" / "offline_hparams.yaml").read_text()
    assert "offline/digits_clean2strongdrift" in str(params["data"])
    assert cfg.hydra.launcher.n_jobs == 2 and str(cfg.hydra.sweep.dir).endswith("benchmark/offline_hparams")
    assert list(cfg.validators) == ["src_acc", "entropy", "ima", "bnm", "snd"]
    assert cfg.data.source_holdout > 0  # src_acc and src_val need the source hold-out


@pytest.mark.parametrize("option", ["dann", "dan", "cdan"])
def test_every_method_of_the_grid_takes_a_trade_off(option):
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose(config_name="train", overrides=[f"experiment=offline/{option}", "method.trade_off=0.3"])
    assert cfg.method.trade_off == 0.3
