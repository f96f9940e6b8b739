"""How long ``dalearn-select`` takes to answer over a 200-run sweep (target: under 30 s on 2
cores): a sweep folder of 200 finished fake runs — 3 offline tasks × methods × a trade-off and
learning-rate grid × seeds, 10 evaluated epochs each with the default validators' scores — is
written to a temporary folder, then ``python -m dalearn.cli.select SWEEP`` (every rule, tables and
plots) runs as its own process and is timed from start to exit, imports included.

    python benchmarks/select_speed.py            # exits 1 if it took 30 s or more
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

TASKS = [("digits", "clean", "drift"), ("fashion_mnist", "clean", "m"), ("fashion_mnist", "clean", "drift")]
VALIDATORS = ("src_acc", "entropy", "ima", "bnm", "snd")
LIMIT_S = 30.0


def write_sweep(root: Path, runs: int, epochs: int = 10, seed: int = 0) -> None:
    rng = random.Random(seed)
    grid = itertools.product(range(10), ("dann", "dan", "cdan"), (0.1, 0.3, 1.0), (0.003, 0.01, 0.03), TASKS)
    for run_seed, method, trade_off, lr, (dataset, source, target) in itertools.islice(grid, runs):
        task = f"{source}2{target}"
        digest = hashlib.sha256(f"{dataset}{task}{method}{trade_off}{lr}{run_seed}".encode()).hexdigest()[:8]
        path = root / f"{dataset}_{task}" / method / f"seed{run_seed}-{digest}"
        path.mkdir(parents=True)
        cfg = {
            "data": {
                "name": f"{dataset}_{task}",
                "task": task,
                "source_domain": source,
                "target_domain": target,
                "source_holdout": 0.1,
            },
            "method": {"_target_": f"dalearn.methods.{method.upper()}", "name": method, "trade_off": trade_off},
            "optim": {"lr": lr},
            "trainer": {"max_epochs": epochs},
            "selection": {"rule": "oracle"},
            "seed": run_seed,
        }
        history = []
        for epoch in range(epochs):
            record = {
                "epoch": epoch,
                "step": 100 * (epoch + 1),
                "val/src_acc": rng.random(),
                "test/tgt_acc": rng.random(),
                "test/tgt_mean_class_acc": rng.random(),
            }
            record.update({f"val/score/{name}": rng.random() for name in VALIDATORS})
            history.append(record)
        (path / "config.yaml").write_text(yaml.safe_dump(cfg))
        (path / "metrics.json").write_text(
            json.dumps({"selection": "oracle", "epoch": 0, "history": history, "by_selection": {}})
        )
        (path / "done").write_text("complete\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        sweep = Path(folder) / "sweep"
        write_sweep(sweep, args.runs)
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "dalearn.cli.select", str(sweep), "--quiet"], capture_output=True, text=True
        )
        seconds = time.perf_counter() - started
    print(done.stdout + done.stderr)
    print(
        f"dalearn-select over {args.runs} runs: {seconds:.1f} s (exit status {done.returncode}; limit {LIMIT_S:.0f} s)"
    )
    return 0 if done.returncode == 0 and seconds < LIMIT_S else 1


if __name__ == "__main__":
    sys.exit(main())
