"""benchmarks/overhead.py on 2 timed steps, so that the script cannot rot: the Lightning path,
its interleaved bare twin and the standalone bare loop train to bit-identical weights (for an
automatically optimised method with a warm-start GRL and for MCD's manual optimisation; MDD,
with dropout, under every ablation), every step is timed, and the report and its JSON are
written."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from benchmark_scripts import load_benchmark

from tests.conftest import SMALL_MCD

SMALL = {"mcd": SMALL_MCD}  # the manual optimisation, the point of the test, is unchanged


@pytest.fixture(scope="module")
def overhead():
    return load_benchmark("overhead")


@pytest.mark.parametrize("method", ["dann", pytest.param("mcd", marks=pytest.mark.slow)])
def test_paths_train_identically_and_every_step_is_timed(overhead, method, tmp_path):
    result = overhead.measure_method(method, steps=2, warmup=1, rounds=1, workdir=tmp_path)
    assert result["max_weight_difference"] == 0.0
    for name, rounds in result["times"].items():
        assert len(rounds) == 1 and len(rounds[0]) == 2, name
        assert all(wall > 0 and cpu > 0 for wall, cpu in rounds[0]), name
    summary = overhead.summarise(result)
    for clock in overhead.CLOCKS:
        for variant in overhead.VARIANTS:
            assert math.isfinite(summary[clock][variant]["ratio"]) and summary[clock][variant]["ratio"] > 0


@pytest.mark.slow
def test_main_writes_the_report_and_its_json(overhead, tmp_path):
    out = tmp_path / "overhead.md"
    argv = [
        "--methods",
        "mdd",
        "--steps",
        "2",
        "--warmup",
        "1",
        "--rounds",
        "1",
        "--ablations",
        "mdd",
        "--out",
        str(out),
    ]
    assert overhead.main(argv) == 0
    text = out.read_text()
    assert "| mdd | " in text and "**geometric mean**" in text
    assert "python benchmarks/overhead.py --methods mdd" in text
    for variant in overhead.ABLATIONS:
        assert f"| mdd | {variant} |" in text
    payload = json.loads(out.with_suffix(".json").read_text())
    assert payload["meta"]["max_weight_difference"] == 0.0
    assert set(payload["ablations"]["mdd"]["cpu"]) >= set(overhead.ABLATIONS)


@pytest.mark.slow
@pytest.mark.parametrize("method", ["dann", "mcd"])
def test_logging_only_on_logging_steps_leaves_the_csv_log_unchanged(overhead, method, tmp_path):
    """dalearn calls self.log in training only on the steps Lightning writes to the logger:
    the metrics.csv is the same as when it logs every step (two epochs of 13 iterations, rows
    every 10)."""
    import lightning as L
    from hydra.utils import instantiate

    from dalearn.run.factory import build_model, build_trainer

    logs = {}
    for mode in ("every step", "all"):
        cfg = overhead.compose(
            method,
            13,
            tmp_path / mode.replace(" ", "_"),
            ["trainer.enable_progress_bar=false", "trainer.max_epochs=2", *SMALL.get(method, [])],
        )
        datamodule = instantiate(cfg.data)
        L.seed_everything(0, verbose=False)
        model = build_model(cfg, datamodule.num_classes)
        overhead.restrict_training_logs(model, mode)
        build_trainer(cfg).fit(model, datamodule=datamodule)
        (path,) = Path(cfg.paths.run_dir).glob("logs/version_*/metrics.csv")
        logs[mode] = path.read_text()
    assert "train/loss" in logs["all"].splitlines()[0]
    assert logs["every step"] == logs["all"]
