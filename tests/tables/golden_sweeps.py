"""The two sweep folders behind the golden files in ``tests/tables/golden/``.

``office31``: the published grid (multirun.yaml: source_only, dann, mdd × 6 tasks × seeds
0–2) plus a method of one's own on A→W:
- Source Only: all 18 runs finished, recording oracle, src_val and last → a full Avg;
- DANN: A→W seed 2 never started (missing), D→A seed 1 has a checkpoint but no done marker
  (incomplete), W→A seed 0 failed before training (only .hydra/config.yaml); no src_val;
- MDD: in the grid, never launched (every cell missing);
- my_method: only A→W, all seeds (paper "/", the other tasks missing).

``offline``: the three offline tasks (Digits → Digits-drift, Fashion-MNIST → Fashion-MNIST-M,
Fashion-MNIST → Fashion-MNIST-drift) × Source Only, DANN × seeds 0–1, all finished.
"""

from __future__ import annotations

from pathlib import Path

from fake_sweep import config, metrics, write_grid, write_run

OFFICE31_TASKS = ["A2W", "D2W", "W2D", "A2D", "D2A", "W2A"]
OFFLINE_TASKS = [("digits", "clean2drift"), ("fashion_mnist", "clean2m"), ("fashion_mnist", "clean2drift")]


def accuracy(method_index: int, task_index: int, seed: int) -> float:
    """A made-up accuracy (fraction) that differs per method, task and seed."""
    return round(0.55 + 0.05 * method_index + 0.04 * task_index + 0.013 * seed - 0.002 * (seed * task_index % 3), 6)


def office31_sweep(sweep: Path) -> Path:
    write_grid(
        sweep,
        {
            "experiment": "office31/source_only,office31/dann,office31/mdd",
            "data.task": ",".join(OFFICE31_TASKS),
            "seed": "0,1,2",
        },
        ["benchmark=office31", "data.root=/data/office31"],
    )
    for t, task in enumerate(OFFICE31_TASKS):
        for seed in range(3):
            value = accuracy(0, t, seed)
            write_run(
                sweep,
                config("office31", task, "source_only", seed),
                metrics({"oracle": value, "src_val": value - 0.02, "last": value - 0.01}),
            )
            if (task, seed) == ("A2W", 2):
                continue
            state = {("D2A", 1): "incomplete", ("W2A", 0): "failed"}.get((task, seed), "finished")
            value = accuracy(1, t, seed)
            write_run(
                sweep,
                config("office31", task, "dann", seed, trade_off=1.0),
                metrics({"oracle": value, "last": value - 0.015}),
                state=state,
            )
    for seed in range(3):
        value = accuracy(3, 0, seed)
        write_run(sweep, config("office31", "A2W", "my_method", seed), metrics({"oracle": value, "last": value}))
    return sweep


def offline_sweep(sweep: Path) -> Path:
    write_grid(sweep, {"method": "source_only,dann", "seed": "0,1"}, ["benchmark=offline"])
    for t, (dataset, task) in enumerate(OFFLINE_TASKS):
        for m, method in enumerate(["source_only", "dann"]):
            for seed in range(2):
                value = accuracy(m, t, seed)
                write_run(sweep, config(dataset, task, method, seed), metrics({"oracle": value, "last": value - 0.03}))
    return sweep
