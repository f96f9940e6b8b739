"""dalearn-analyze in the fast tier: one 3-step run (``debug=fast``) analysed through the command
line beside a baseline, on small subsamples — every file is written and shown, the accuracy is
the run's own, the console line reports it; a missing run is named. Every number against an
independent computation, on longer runs: test_analyze_run.py (slow)."""

from __future__ import annotations

import json

import pytest
from analysis_outputs import FILES, PNGS

from dalearn.cli.analyze import main

#: one worker trains the module's run, not each worker.
pytestmark = pytest.mark.xdist_group("analyze_smoke")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from dalearn.run.training import train
    from tests.conftest import compose_train

    run_dir = tmp_path_factory.mktemp("analyze") / "run"
    train(compose_train(["debug=fast"], run_dir))
    return run_dir


def test_cli_writes_every_file_with_the_runs_own_accuracy(run, tmp_path, capsys):
    out = tmp_path / "analysis"
    argv = [str(run), "--out", str(out), "--baseline", str(run), "--max-per-domain", "40", "--tsne-per-domain", "20"]
    assert main(argv) == 0
    for name in FILES:
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    page = (out / "index.html").read_text()
    assert all(f"src='{name}'" in page for name in PNGS)
    summary = json.loads((out / "summary.json").read_text())
    metrics = json.loads((run / "metrics.json").read_text())
    assert summary["target_accuracy"] == pytest.approx(metrics["tgt_acc"], abs=1e-6)
    assert set(summary["domain_gap"]) == {"run", "baseline"}
    assert f"target accuracy {100 * summary['target_accuracy']:.2f}%" in capsys.readouterr().out


def test_cli_names_a_missing_run(tmp_path, capsys):
    assert main([str(tmp_path / "no_run")]) == 2
    assert f"{tmp_path / 'no_run'} does not exist" in capsys.readouterr().err
