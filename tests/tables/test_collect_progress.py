"""Reading a sweep of many runs reports progress outside a terminal as a line every 5 %,
never a redrawn bar."""

from __future__ import annotations

from fake_sweep import config, metrics, write_run

from dalearn.io import setup_logging
from dalearn.tables import read_runs


def test_reading_many_runs_logs_a_few_progress_lines(tmp_path, capsys):
    sweep = tmp_path / "sweep"
    for seed in range(105):
        write_run(sweep, config("digits", "clean2m", "source_only", seed), metrics({"oracle": 0.5}))
    setup_logging()
    runs = read_runs(sweep)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith(f"[dalearn] read runs under {sweep}:")]
    assert len(runs) == 105
    assert 5 <= len(lines) <= 21 and "\r" not in err
    assert "100% (105/105 runs" in lines[-1]
