"""Per-epoch histories of every method config, for proving that a refactor changes no number.

For each ``conf/method/<name>.yaml`` (and the option variants of :data:`VARIANTS`) this trains one short run in-process through
:func:`dalearn.run.training.train` — the real composed config, the offline task
``data=offline/digits_clean2drift``, seed 0, one CPU thread — and records what the run
recorded: its per-epoch ``history`` (accuracies and validator scores, the numbers model
selection reads) and every logged ``train/*`` value of every iteration
(``trainer.log_every_n_steps=1``). A method that adapts a stage-1 model (a ``source_ckpt``
key, SHOT) gets that stage-1 run first, as the test suite does.

Run it before and after a change and compare the two files (``--compare``): the histories
must be identical, value for value.

    python benchmarks/method_histories.py --out /tmp/before.json
    python benchmarks/method_histories.py --out /tmp/after.json --compare /tmp/before.json
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import tempfile
import time
from pathlib import Path

import torch

#: the short budget: 2 epochs × 6 iterations of batch 16; every iteration logged.
BUDGET = [
    "data=offline/digits_clean2drift",
    "seed=0",
    "cpu_threads=1",
    "trainer.max_epochs=2",
    "trainer.log_every_n_steps=1",
    "trainer.enable_progress_bar=false",
    "data.iters_per_epoch=6",
    "data.batch_size=16",
]


#: options that change a method's mechanics, recorded beside the plain configs.
VARIANTS = {
    "jan+adversarial": ["method=jan", "method.adversarial=true"],
    "cdan+entropy": ["method=cdan", "method.entropy_conditioning=true"],
    "cdan+randomized": ["method=cdan", "method.randomized=true", "method.randomized_dim=128"],
    "self_training+alignment": ["method=self_training", "method.distribution_alignment=true"],
    "afn+entropy": ["method=afn", "method.entropy_weight=0.1"],
}


def runs(conf_dir: Path) -> dict[str, list[str]]:
    """Recording name → its overrides: every method config, then :data:`VARIANTS`."""
    plain = {path.stem: [f"method={path.stem}"] for path in sorted((conf_dir / "method").glob("*.yaml"))}
    return {**plain, **VARIANTS}


def compose(conf_dir: Path, overrides: list[str], run_dir: Path):
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from omegaconf import open_dict

    with initialize_config_dir(config_dir=str(conf_dir), version_base="1.3"):
        cfg = hydra_compose(config_name="train", overrides=overrides)
    with open_dict(cfg):
        cfg.paths.run_dir = str(run_dir)
    return cfg


def logged_train_values(run_dir: Path) -> dict[str, list[list[float]]]:
    """``train/<key>`` → [[step, value], …] from the run's CSV log."""
    values: dict[str, list[list[float]]] = {}
    for path in sorted(run_dir.glob("logs/version_*/metrics.csv")):
        with path.open() as handle:
            for row in csv.DictReader(handle):
                for key, value in row.items():
                    if key.startswith("train/") and value not in ("", None):
                        values.setdefault(key, []).append([int(row["step"]), float(value)])
    return values


def record(name: str, method_overrides: list[str], conf_dir: Path, work: Path) -> dict:
    from omegaconf import OmegaConf

    from dalearn.run.training import train

    overrides = [*method_overrides, *BUDGET]
    cfg = compose(conf_dir, overrides, work / name)
    raw = OmegaConf.to_container(cfg.method, resolve=False).get("source_ckpt")
    if raw:
        stage1 = re.search(r"}/([^/$]+)/seed", raw).group(1)
        first = compose(conf_dir, [f"method={stage1}", *BUDGET], work / f"{name}-stage1")
        train(first)
        overrides.append(f"method.source_ckpt={first.paths.run_dir}")
        cfg = compose(conf_dir, overrides, work / name)
    metrics, _ = train(cfg)
    return {"history": metrics["history"], "train": logged_train_values(Path(cfg.paths.run_dir))}


def compare(now: dict, before: dict) -> list[str]:
    """Every difference between two recordings, one line each."""
    lines = []
    for method in sorted(set(now) | set(before)):
        if method not in now or method not in before:
            lines.append(f"{method}: only in {'the new' if method in now else 'the old'} recording")
        elif now[method] != before[method]:
            lines.append(f"{method}: histories differ")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="JSON file {method: {history, train}}")
    parser.add_argument("--methods", nargs="*", default=None, help="only these recordings (method configs, variants)")
    parser.add_argument("--compare", type=Path, default=None, help="an earlier recording to compare with")
    args = parser.parse_args(argv)

    from dalearn.run.config import CONFIG_DIR

    torch.set_num_threads(1)
    conf_dir = Path(CONFIG_DIR)
    everything = runs(conf_dir)
    methods = args.methods or list(everything)
    results, seconds = {}, {}
    with tempfile.TemporaryDirectory(prefix="method_histories-") as tmp:
        for method in methods:
            started = time.perf_counter()
            results[method] = record(method, everything[method], conf_dir, Path(tmp))
            seconds[method] = round(time.perf_counter() - started, 1)
            print(f"{method}: {seconds[method]} s, {len(results[method]['history'])} epochs", file=sys.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    if args.compare is None:
        return 0
    before = json.loads(args.compare.read_text(encoding="utf-8"))
    if args.methods:
        before = {m: before[m] for m in methods if m in before}
    differences = compare(results, before)
    for line in differences:
        print(line, file=sys.stderr)
    print(f"{len(methods) - len(differences)} of {len(methods)} methods identical", file=sys.stderr)
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
