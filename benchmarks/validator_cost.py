"""What the label-free validators cost a training run, per validator and per epoch.

One ``dalearn-train`` run (composed as the command composes it: the offline default is DANN
on Digits → Digits-drift, 10 epochs of 100 iterations, LeNet, one CPU thread) records every
validator of :mod:`dalearn.validators` every epoch; each validator class's ``update`` and
``compute`` are wrapped with timers (wall time, and the process's CPU time — all its threads,
as scikit-learn's k-means and logistic regression may use several — which moves least when
other processes load the cores). A validator's share is its time over the run's time without
any validator (the fit's time minus all validators' time): the default set must stay within
10 % of a run; the costly ones (a domain classifier, k-means) are opt-in with their cost stated.

    python benchmarks/validator_cost.py --out benchmarks/results/validator_cost.md
    python benchmarks/validator_cost.py --data offline/fashion_mnist_clean2m --epochs 2 --out …

The shared forward pass (logits and features, computed once per evaluation batch for all
validators and the accuracies) is not counted: evaluation ran it before validators existed.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import logging
import os
import platform
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

for _variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")  # one core per job, as in the benchmark sweeps (set before numpy loads)

import torch  # noqa: E402

DEFAULT_SET = ("src_acc", "entropy", "ima", "bnm", "snd")


def instrument(classes: dict, clocks: dict) -> None:
    """Wrap ``update`` and ``compute`` of every validator class to add their wall and CPU time."""
    originals = {
        (name, method): getattr(cls, method) for name, cls in classes.items() for method in ("update", "compute")
    }
    for name, cls in classes.items():
        for method in ("update", "compute"):
            original = originals[(name, method)]

            @functools.wraps(original)
            def timed(self, *args, __original=original, __name=name, **kwargs):
                wall, cpu = time.perf_counter(), time.process_time()
                try:
                    return __original(self, *args, **kwargs)
                finally:
                    clocks[__name][0] += time.perf_counter() - wall
                    clocks[__name][1] += time.process_time() - cpu

            setattr(cls, method, timed)


def measure(data: str, epochs: int, method: str) -> dict:
    from hydra import compose, initialize_config_dir
    from omegaconf import open_dict

    from dalearn.run.config import CONFIG_DIR
    from dalearn.run.training import train
    from dalearn.validators import available

    classes = available()
    clocks: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    instrument(classes, clocks)
    overrides = [
        f"data={data}",
        f"method={method}",
        f"trainer.max_epochs={epochs}",
        "cpu_threads=1",
        "trainer.enable_progress_bar=false",
        f"validators=[{','.join(classes)}]",
    ]
    with tempfile.TemporaryDirectory() as folder:
        with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
            cfg = compose(config_name="train", overrides=overrides)
        with open_dict(cfg):
            cfg.paths.run_dir = folder
        wall, cpu = time.perf_counter(), time.process_time()
        metrics, _ = train(cfg)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    total_wall = sum(c[0] for c in clocks.values())
    total_cpu = sum(c[1] for c in clocks.values())
    return {
        "overrides": overrides,
        "epochs": len(metrics["history"]),
        "run_wall": wall - total_wall,
        "run_cpu": cpu - total_cpu,
        "validators": {name: tuple(clocks[name]) for name in classes},
    }


def report(result: dict, data: str) -> str:
    epochs, run_wall, run_cpu = result["epochs"], result["run_wall"], result["run_cpu"]
    lines = [
        f"### Validator cost — {data}, {epochs} epoch{'s' if epochs != 1 else ''}",
        "",
        "```bash",
        "python benchmarks/validator_cost.py " + " ".join(sys.argv[1:]),
        "```",
        "",
        f"- Machine: {platform.system()} {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, torch {torch.__version__}, one thread (torch, OpenMP, BLAS); "
        f"{datetime.date.today()}.",
        f"- The run without validators: {run_wall:.1f} s wall ({run_wall / epochs:.2f} s per epoch), "
        f"{run_cpu:.1f} s CPU. Overrides: `{' '.join(result['overrides'])}`.",
        "",
        "| validator | default set | s per epoch (wall) | s per epoch (CPU) | share of the run (CPU) |",
        "|---|---|---:|---:|---:|",
    ]
    default_cpu = 0.0
    for name, (wall, cpu) in result["validators"].items():
        default = name in DEFAULT_SET
        default_cpu += cpu if default else 0.0
        lines.append(
            f"| {name} | {'yes' if default else 'opt-in'} | {wall / epochs:.3f} | {cpu / epochs:.3f} | "
            f"{100 * cpu / run_cpu:.1f} % |"
        )
    lines += [
        "",
        f"- The default set ({', '.join(DEFAULT_SET)}) together: {100 * default_cpu / run_cpu:.1f} % "
        "of the run's CPU time.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="digits", help="a data option (default: digits, the offline default)")
    parser.add_argument("--method", default="dann")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--out", type=Path, default=None, help="append the Markdown report to this file")
    args = parser.parse_args()
    logging.getLogger("lightning").setLevel(logging.WARNING)
    torch.set_num_threads(1)
    text = report(measure(args.data, args.epochs, args.method), args.data)
    print(text)
    if args.out is not None:
        from dalearn.io import atomic_write_text

        previous = args.out.read_text() if args.out.is_file() else ""
        atomic_write_text(args.out, previous + ("\n" if previous else "") + text)


if __name__ == "__main__":
    main()
