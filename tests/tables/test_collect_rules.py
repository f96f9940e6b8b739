"""dalearn-collect's rules beyond the golden files: the Avg arithmetic, method variants,
conflicting runs, several dataset groups, VisDA's per-class number, the plot, the sweep grid,
exit statuses, and the reference data against the dataset specs."""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest
from fake_sweep import config, metrics, write_grid, write_run
from golden_sweeps import OFFICE31_TASKS, accuracy, office31_sweep, offline_sweep

from dalearn.cli.collect import main
from dalearn.tables import build_tables, read_grids, read_runs
from dalearn.tables.grid import read_grid
from dalearn.tables.reference import dataset_info


def tables_of(sweep: Path):
    tables, waiting = build_tables(read_runs(sweep), read_grids(sweep, warn=pytest.fail))
    return {(t.group, t.rule): t for t in tables}, waiting


def test_avg_is_the_mean_of_task_means_with_the_spread_of_seed_averages(tmp_path):
    tables, _ = tables_of(office31_sweep(tmp_path / "sweep"))
    row = next(r for r in tables[("office31", "oracle")].rows if r.method == "source_only")
    per_seed = [statistics.fmean(100 * accuracy(0, t, seed) for t in range(6)) for seed in range(3)]
    mean, std = row.average.stats()
    assert mean == pytest.approx(statistics.fmean(per_seed))
    assert std == pytest.approx(statistics.stdev(per_seed))
    first_task = row.cells[0]
    assert first_task.stats()[0] == pytest.approx(statistics.fmean(100 * accuracy(0, 0, s) for s in range(3)))


def test_partial_cells_are_marked_and_never_enter_the_average(tmp_path):
    tables, _ = tables_of(office31_sweep(tmp_path / "sweep"))
    dann = next(r for r in tables[("office31", "oracle")].rows if r.method == "dann")
    assert not dann.average.complete and dann.average.text() == "incomplete: 3/6 tasks"
    a2w = dann.cells[OFFICE31_TASKS.index("A2W")]
    assert (len(a2w.values), a2w.expected, a2w.missing) == (2, 3, 1)
    assert a2w.text("oracle").endswith("(2/3: 1 missing)")
    counts = tables[("office31", "oracle")].counts()
    assert counts == {"expected": 72, "finished": 36, "incomplete": 2, "missing": 34}


def test_runs_of_one_method_with_different_settings_are_separate_rows(tmp_path):
    sweep = tmp_path / "sweep"
    for flag, value in ((False, 0.6), (True, 0.7)):
        write_run(
            sweep,
            config("digits", "clean2m", "cdan", 0, entropy_conditioning=flag),
            metrics({"oracle": value}),
            variant=str(flag),
        )
    (table,) = tables_of(sweep)[0].values()
    assert [(r.label, r.cells[0].text("oracle")) for r in table.rows] == [
        ("CDAN (entropy_conditioning=false)", "60.0 (1)"),
        ("CDAN (entropy_conditioning=true)", "70.0 (1)"),
    ]


def test_a_checkpoint_of_the_same_task_and_seed_is_one_setting(tmp_path):
    sweep = tmp_path / "sweep"
    template = "outputs/benchmark/offline/{data}/{stage}/seed{seed}-*/checkpoints/last.ckpt"
    for seed in (0, 1):
        for task in ("clean2m", "clean2drift"):
            ckpt = template.format(data=f"fashion_mnist_{task}", stage="shot_source", seed=seed)
            write_run(sweep, config("fashion_mnist", task, "shot", seed, source_ckpt=ckpt), metrics({"oracle": 0.5}))
    other = template.format(data="fashion_mnist_clean2m", stage="dann", seed=0)
    write_run(
        sweep, config("fashion_mnist", "clean2m", "shot", 0, source_ckpt=other), metrics({"oracle": 0.6}), variant="x"
    )
    (table,) = tables_of(sweep)[0].values()
    labels = [(r.label, [c.text("oracle") for c in r.cells]) for r in table.rows]
    generic = "outputs/benchmark/offline/<data>/{}/seed<seed>-*/checkpoints/last.ckpt"
    assert labels == [
        (f"SHOT (source_ckpt={generic.format('dann')})", ["60.0 (1/2: 1 missing)", "– (0/2: 2 missing)"]),
        (f"SHOT (source_ckpt={generic.format('shot_source')})", ["50.0 ± 0.0 (2)", "50.0 ± 0.0 (2)"]),
    ]


def test_settings_that_differ_only_between_datasets_stay_one_row(tmp_path):
    sweep = tmp_path / "sweep"
    write_run(sweep, config("digits", "clean2drift", "dann", 0, trade_off=1.0), metrics({"oracle": 0.6}))
    write_run(sweep, config("fashion_mnist", "clean2m", "dann", 0, trade_off=0.3), metrics({"oracle": 0.7}))
    (table,) = tables_of(sweep)[0].values()
    assert [(r.label, [c.text("oracle") for c in r.cells]) for r in table.rows] == [("DANN", ["60.0 (1)", "70.0 (1)"])]


def test_two_configurations_in_one_cell_are_an_error_naming_both(tmp_path, capsys):
    sweep = tmp_path / "sweep"
    first = write_run(sweep, config("digits", "clean2m", "dann", 0), metrics({"oracle": 0.5}), variant="a")
    changed = config("digits", "clean2m", "dann", 0)
    changed["optim"]["lr"] = 0.1
    second = write_run(sweep, changed, metrics({"oracle": 0.6}), variant="b")
    assert main([str(sweep)]) == 2
    message = capsys.readouterr().err
    assert str(first) in message and str(second) in message
    assert "optim.lr: 0.1 vs 0.01" in message or "optim.lr: 0.01 vs 0.1" in message
    assert not (sweep / "tables").exists()


def test_several_dataset_groups_get_a_folder_each_and_visda_reports_mean_per_class(tmp_path):
    sweep = tmp_path / "sweep"
    write_run(sweep, config("office31", "A2W", "dann", 0), metrics({"oracle": 0.8}))
    write_run(sweep, config("visda", "Synthetic2Real", "dann", 0), metrics({"oracle": 0.7}, mean_class_offset=0.05))
    assert main([str(sweep), "--quiet", "--plot"]) == 0
    visda = (sweep / "tables" / "visda" / "oracle.md").read_text()
    assert "VisDA-2017 — mean per-class target accuracy (%), selection: oracle" in visda
    assert "| DANN | 79.5 | 75.0 (1) | 75.0 (1) |" in visda
    office31_csv = (sweep / "tables" / "office31" / "oracle.csv").read_text().splitlines()
    assert office31_csv[1].startswith("DANN,82.2,incomplete: 1/6")
    for group in ("office31", "visda"):
        assert (sweep / "tables" / group / "oracle.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list((sweep / "tables").glob("*.md"))


def test_domain_names_map_to_task_keys_and_labels(tmp_path):
    sweep = tmp_path / "sweep"
    cfg = config("domainnet", "c2p", "mdd", 0)
    cfg["data"].update(name="domainnet_clipart2painting", source_domain="clipart", target_domain="painting")
    write_run(sweep, cfg, metrics({"oracle": 0.5}))
    (table,) = tables_of(sweep)[0].values()
    assert [(c.task, c.label) for c in table.columns] == [("c2p", "clp → pnt")]


def test_grid_command_line_replaces_an_axis_and_experiments_name_methods(tmp_path):
    write_grid(tmp_path, {"experiment": "office31/dann,office31/mdd", "seed": "0,1,2"}, ["seed=4", "data.task=A2W,W2A"])
    grid = read_grid(tmp_path / "multirun.yaml")
    assert (grid.seeds, grid.methods, grid.tasks) == ({4}, {"dann", "mdd"}, {"A2W", "W2A"})
    write_grid(tmp_path, {}, ["method=dann,source_only"], seed=7)
    grid = read_grid(tmp_path / "multirun.yaml")
    assert (grid.seeds, grid.methods) == ({7}, {"dann", "source_only"})


def test_unreadable_grid_falls_back_to_the_runs_on_disk(tmp_path, capsys):
    sweep = offline_sweep(tmp_path / "sweep")
    (sweep / "multirun.yaml").write_text("hydra:\n  overrides:\n    task: ['seed=not_a_number']\n")
    assert main([str(sweep), "--quiet"]) == 0
    assert "could not read the sweep grid" in capsys.readouterr().err
    assert "| DANN | / | 64.6 ± 0.8 (2) |" in (sweep / "tables" / "oracle.md").read_text()


def test_exit_statuses(tmp_path, capsys):
    assert main([str(tmp_path / "nowhere")]) == 2
    (tmp_path / "empty").mkdir()
    assert main([str(tmp_path / "empty")]) == 2
    assert "no run directories" in capsys.readouterr().err
    assert main([str(office31_sweep(tmp_path / "partial")), "--quiet", "--strict"]) == 1
    assert main([str(offline_sweep(tmp_path / "complete")), "--quiet", "--strict"]) == 0


def test_a_sweep_with_no_finished_run_writes_nothing(tmp_path, capsys):
    sweep = tmp_path / "sweep"
    write_run(sweep, config("digits", "clean2m", "dann", 0), state="incomplete")
    assert main([str(sweep)]) == 0
    assert "no finished run yet" in capsys.readouterr().err
    assert not (sweep / "tables").exists()


def test_a_finished_run_with_unreadable_metrics_is_named(tmp_path, capsys):
    sweep = tmp_path / "sweep"
    path = write_run(sweep, config("digits", "clean2m", "dann", 0), metrics({"oracle": 0.5}))
    (path / "metrics.json").write_text("{truncated")
    assert main([str(sweep)]) == 2
    assert str(path / "metrics.json") in capsys.readouterr().err


@pytest.mark.parametrize("name", ["office31", "office_home", "visda", "domainnet"])
def test_reference_tasks_and_domains_match_the_dataset_specs(name):
    from dalearn.data.benchmarks import get_benchmark

    spec, info = get_benchmark(name), dataset_info(name)
    assert info.tasks == spec.tasks and info.published
    assert info.domains == {domain.key: domain.name for domain in spec.domains}


def test_console_script_prints_the_tables(tmp_path):
    import subprocess
    import sys

    sweep = offline_sweep(tmp_path / "sweep")
    script = Path(sys.executable).parent / "dalearn-collect"
    result = subprocess.run([str(script), str(sweep)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "### Digits, Fashion-MNIST — target accuracy (%), selection: last" in result.stdout
    assert f"[dalearn] 6 files written to {sweep / 'tables'}" in result.stderr  # tables on stdout, messages on stderr
