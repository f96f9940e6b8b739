"""End to end, as a user runs them: a 2-trial Optuna search on a label-free objective writes
its optimization_results.yaml, whose best value is the best trial's ATC estimate (no target
label used); and a tiny sweep (2 runs) is ranked by ``dalearn-select --by ensv,mixval`` with the
report section."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.slow
FAST = ["debug=fast", "cpu_threads=1"]


def cli(tool: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    beside = Path(sys.executable).parent / tool
    executable = str(beside) if beside.is_file() else shutil.which(tool)
    assert executable, f"{tool} is not installed as a console script"
    result = subprocess.run([executable, *args], cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def test_a_two_trial_optuna_search_on_the_atc_estimate(tmp_path):
    out = cli("dalearn-train", "hparams_search=optuna", "hydra.sweeper.n_trials=2", *FAST, cwd=tmp_path)
    (results,) = tmp_path.glob("outputs/hparams_search/digits_clean2drift/dann/optimization_results.yaml")
    found = yaml.safe_load(results.read_text())
    assert set(found["best_params"]) == {"optim.lr", "method.trade_off"}
    trials = sorted(results.parent.glob("digits_clean2drift/dann/seed0-*/metrics.json"))
    assert len(trials) == 2
    estimates = [json.loads(path.read_text())["by_selection"]["atc"]["score"] for path in trials]
    assert found["best_value"] == pytest.approx(max(estimates))
    assert "no target label used" in out.stderr and "objective=selection" in out.stderr  # the log is on stderr


def test_a_tiny_sweep_is_ranked_by_ensv_and_mixval(tmp_path):
    sweep = tmp_path / "sweep"
    cli(
        "dalearn-train",
        "-m",
        "experiment=offline/source_only,offline/dann",
        "trainer.max_epochs=2",
        f"hydra.sweep.dir={sweep}",
        *FAST,
        cwd=tmp_path,
    )
    report = tmp_path / "report.md"
    out = cli(
        "dalearn-select", str(sweep), "--by", "ensv,mixval,atc", "--per-seed", "--report", str(report), cwd=tmp_path
    )
    assert {p.name for p in (sweep / "selection").iterdir()} >= {"ensv.md", "mixval.csv", "atc.md", "summary.md"}
    assert "4 checkpoints" in out.stderr and "ranked by ensv, mixval, atc" in out.stderr  # the log is on stderr
    assert "| ensv |" in out.stdout  # the tables are on stdout
    text = report.read_text()
    assert text.startswith("## Label-free selection") and "| ensv |" in text and "| mixval |" in text
    assert "Worst regret over the seeds" in text and "mean absolute error" in text
