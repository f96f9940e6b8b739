"""Per-step time of dalearn's training path through the Lightning Trainer against a bare
PyTorch loop that does the same math on the same model and batches.

Lightning path: the config is composed as ``dalearn-train`` composes it (``conf/train.yaml``:
offline ``digits`` data, ``lenet`` backbone, ``trainer=cpu``, ``logger=csv``,
``callbacks=default``), the model comes from :func:`dalearn.run.factory.build_model`, the trainer from
:func:`dalearn.run.factory.build_trainer` (checkpoint, epoch seeder, run recorder and LR monitor
callbacks, CSV logger, ``log_every_n_steps=10``), and the real DataModule feeds it. Every
``self.log`` call stays. The progress bar is measured off and on (TQDM writing to ``/dev/null``:
its formatting and writes count, a terminal's rendering does not).

Bare path: a deep copy of the same initial model, the optimizer and scheduler from its own
``configure_optimizers()``, and the same DataModule's ``train_dataloader()`` loaders (same
samplers and seeds, so the same batches, and fetching costs the same on both paths), zipped;
per iteration the method's ``compute_losses`` + ``backward`` + ``step`` + ``scheduler.step`` +
``zero_grad`` — for MCD the A, B and ``num_k`` × C steps of its ``training_iteration`` on its two
optimizers. Its ``self.log`` is a no-op. Both paths create their loader iterators, then seed
as :class:`dalearn.run.callbacks.EpochSeeder` does (Lightning's order), so their dropout draws
match and they compute bit-identical weights; the report checks it.

Interleaving, step by step: a callback runs one bare step of a twin model (its own batches,
its own torch RNG stream, swapped in around it) after every Lightning training batch. A
Lightning step's time runs from the end of the previous bare step to the end of its batch, so
it holds everything Lightning does per step (fetch, hooks, ``self.log``, optimizer, logger,
progress bar); a bare step's time is its fetch and math. Both come as wall and CPU time of
this thread (CPU time moves least when other processes load the cores). The first
``--warmup`` steps of each fit are dropped; fit set-up, validation and checkpoint saving are
outside the timed window. A standalone bare loop (no Lightning around it) runs in each round
as a cross-check of the twin's time. Rounds rotate the order of the fits; one torch thread.

    python benchmarks/overhead.py --out benchmarks/results/overhead.md
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import datetime
import json
import logging
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable, Iterable, Iterator, Optional

import lightning as L
import torch

from dalearn.run.callbacks import EpochSeeder
from dalearn.run.factory import build_model, build_trainer

METHODS = ("source_only", "dann", "dan", "jan", "cdan", "mcd", "mdd")
NO_PROGRESS_BAR = "trainer.enable_progress_bar=false"
# Every per-step callback and the logger off; the epoch seeder stays (it runs once per epoch,
# and without it the Lightning run would draw other dropout masks than its bare twin).
WITHOUT_CALLBACKS = (
    "~callbacks.best_checkpoint",
    "~callbacks.last_checkpoint",
    "~callbacks.predictions",
    "~callbacks.accuracy_estimates",
    "~callbacks.mixval",
    "~callbacks.run_recorder",
    "~callbacks.lr_monitor",
    "~callbacks.domain_gap",
    "~logger",
    "+trainer.enable_checkpointing=false",
)
PROGRESS_BAR_EVERY_10 = (
    "trainer.enable_progress_bar=true",
    "+callbacks.progress_bar={_target_:lightning.pytorch.callbacks.TQDMProgressBar,refresh_rate:10}",
)
# Lightning variant → (Hydra overrides, what happens to the training-time self.log calls:
# "all" as in dalearn — on the steps whose values Lightning writes to the logger, every
# log_every_n_steps —, "none" silenced, "every step" on every iteration, as before that rule).
VARIANTS = {
    "lightning": ((NO_PROGRESS_BAR,), "all"),
    "lightning+pbar": (("trainer.enable_progress_bar=true",), "all"),
}
# Where the time goes: the dalearn path with parts removed or changed (progress bar off unless named).
ABLATIONS = {
    "no training self.log": ((NO_PROGRESS_BAR,), "none"),
    "training self.log on every step": ((NO_PROGRESS_BAR,), "every step"),
    "no logger or callbacks (seeder kept)": ((NO_PROGRESS_BAR, *WITHOUT_CALLBACKS), "all"),
    "Lightning loop only": ((NO_PROGRESS_BAR, *WITHOUT_CALLBACKS), "none"),
    "progress bar refreshed every 10 steps": (PROGRESS_BAR_EVERY_10, "all"),
}
CLOCKS = ("wall", "cpu")


def compose(method: str, iterations: int, run_dir: Path, overrides: Iterable[str] = (), seed: int = 0):
    """``conf/train.yaml`` as ``dalearn-train`` composes it, with ``method`` and one epoch of
    ``iterations`` steps (as ``tests/conftest.py::compose_train`` does)."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from omegaconf import open_dict

    from dalearn.run.config import CONFIG_DIR

    everything = [
        f"method={method}",
        "trainer.max_epochs=1",
        f"data.iters_per_epoch={iterations}",
        f"seed={seed}",
        *overrides,
    ]
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = hydra_compose(config_name="train", overrides=everything)
    with open_dict(cfg):
        cfg.paths.run_dir = str(run_dir)
    return cfg


def restrict_training_logs(model: L.LightningModule, mode: str) -> None:
    """Change how the model logs while it trains: ``"all"`` as dalearn does (logging
    iterations only), ``"every step"`` on every iteration (``log_train_every_step``),
    ``"none"`` never — ``self.log`` becomes a no-op while training; evaluation always logs,
    so the checkpoint callback finds its monitored key."""
    if mode == "all":
        return
    if mode == "every step":
        model.log_train_every_step = True
        return
    log = model.log

    def restricted(*args: Any, **kwargs: Any) -> None:
        if not model.training:
            log(*args, **kwargs)

    model.log = restricted


def optimizers_of(model: L.LightningModule) -> tuple[list, list]:
    """(optimizers, schedulers) from the model's own ``configure_optimizers``."""
    configured = model.configure_optimizers()
    if isinstance(configured, dict):
        return [configured["optimizer"]], [configured["lr_scheduler"]["scheduler"]]
    optimizers, schedulers = configured
    return list(optimizers), list(schedulers)


def automatic_step(model, optimizers: list, schedulers: list, batch: dict) -> None:
    """One iteration of a method that minimises one loss: forward, backward, step, schedule."""
    x_s, y_s = batch["source"]
    losses = model.compute_losses(x_s, y_s, batch["target"])
    losses["loss"].backward()
    optimizers[0].step()
    schedulers[0].step()
    optimizers[0].zero_grad()


def mcd_step(model, optimizers: list, schedulers: list, batch: dict) -> None:
    """MCD's iteration as :meth:`dalearn.methods.MCD.training_iteration` does it, without Lightning
    (the same ``_terms`` and the same zero-grad / backward / step order)."""
    x_s, y_s = batch["source"]
    x = torch.cat([x_s, batch["target"]])
    opt_g, opt_f = optimizers
    backbone, w, lam = model.classifier.backbone, model.entropy_weight, model.trade_off

    def minimise(loss: torch.Tensor, *stepped: torch.optim.Optimizer) -> None:
        for opt in optimizers:
            opt.zero_grad()
        loss.backward()
        for opt in stepped:
            opt.step()

    step_a = model._terms(backbone(x), y_s)
    minimise(step_a["cls_loss"] + w * step_a["balance"], opt_g, opt_f)
    step_b = model._terms(backbone(x).detach(), y_s)
    minimise(step_b["cls_loss"] + w * step_b["balance"] - lam * step_b["discrepancy"], opt_f)
    for _ in range(model.num_k):
        minimise(lam * model._terms(backbone(x), y_s)["discrepancy"], opt_g)
    for scheduler in schedulers:
        scheduler.step()


def bare_step_function(model: L.LightningModule) -> Callable:
    """MCD optimises by hand (its A, B, C steps); every other method minimises one loss."""
    return automatic_step if model.automatic_optimization else mcd_step


def seeded_rng_state(seed: int, model: L.LightningModule) -> torch.Tensor:
    """The torch RNG state :class:`EpochSeeder` sets at the start of epoch 0 (torch's global
    state is restored; Python's and NumPy's, which no step here draws from, are reseeded)."""
    saved = torch.get_rng_state()
    EpochSeeder(seed).on_train_epoch_start(SimpleNamespace(current_epoch=0), model)
    state = torch.get_rng_state()
    torch.set_rng_state(saved)
    return state


def prepare_bare(datamodule, model: L.LightningModule) -> tuple[list, list, Iterator[dict]]:
    """Optimizers, schedulers and a batch iterator over the DataModule's own training loaders
    for a bare loop; the model's ``self.log`` becomes a no-op."""
    model.log = lambda *args, **kwargs: None
    model.train()
    optimizers, schedulers = optimizers_of(model)
    loaders = datamodule.train_dataloader()
    source, target = iter(loaders["source"]), iter(loaders["target"])
    batches = ({"source": (x_s, y_s), "target": x_t} for (x_s, y_s), x_t in zip(source, target))
    return optimizers, schedulers, batches


def clock() -> tuple[float, float]:
    """(wall, this thread's CPU) seconds."""
    return time.perf_counter(), time.thread_time()


def elapsed(start: tuple[float, float], stop: tuple[float, float]) -> tuple[float, float]:
    return stop[0] - start[0], stop[1] - start[1]


class BareTwin(L.Callback):
    """After every Lightning training batch, one bare iteration (fetch + math) of a twin model
    on its own batches and its own torch RNG stream (swapped in and out around it, so neither
    run changes the other's dropout draws). Records each Lightning step (end of the previous
    bare step → end of this batch) and each bare step as (wall, CPU) seconds."""

    def __init__(self, twin: L.LightningModule, datamodule, seed: int) -> None:
        self.twin = twin
        self.optimizers, self.schedulers, self.batches = prepare_bare(datamodule, twin)
        self.step = bare_step_function(twin)
        self.rng = seeded_rng_state(seed, twin)
        self.lightning_times: list[tuple[float, float]] = []
        self.bare_times: list[tuple[float, float]] = []
        self._resumed: Optional[tuple[float, float]] = None

    def on_train_batch_end(self, trainer: L.Trainer, pl_module: L.LightningModule, *args: Any) -> None:
        ended = clock()
        if self._resumed is not None:
            self.lightning_times.append(elapsed(self._resumed, ended))
        lightning_rng = torch.get_rng_state()
        torch.set_rng_state(self.rng)
        start = clock()
        self.step(self.twin, self.optimizers, self.schedulers, next(self.batches))
        self.bare_times.append(elapsed(start, clock()))
        self.rng = torch.get_rng_state()
        torch.set_rng_state(lightning_rng)
        self._resumed = clock()


def run_lightning(cfg, datamodule, model: L.LightningModule, twin: L.LightningModule, seed: int) -> BareTwin:
    """Fit ``model`` for one epoch through dalearn's trainer with a bare twin step after each
    step; console output (progress bar included) goes to ``/dev/null``."""
    trainer = build_trainer(cfg)
    pair = BareTwin(twin, datamodule, seed)
    trainer.callbacks.append(pair)
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        trainer.fit(model, datamodule=datamodule)
    return pair


def run_bare(datamodule, model: L.LightningModule, seed: int) -> list[tuple[float, float]]:
    """The bare iterations alone, in their own loop: (wall, CPU) seconds per step."""
    optimizers, schedulers, batches = prepare_bare(datamodule, model)
    step = bare_step_function(model)
    torch.set_rng_state(seeded_rng_state(seed, model))
    times, last = [], clock()
    for batch in batches:
        step(model, optimizers, schedulers, batch)
        now = clock()
        times.append(elapsed(last, now))
        last = now
    return times


def max_difference(a: torch.nn.Module, b: torch.nn.Module) -> float:
    """Largest absolute difference between the floating-point tensors of two state dicts."""
    other = b.state_dict()
    return max(
        (
            float((value - other[key]).abs().max())
            for key, value in a.state_dict().items()
            if torch.is_tensor(value) and value.is_floating_point() and value.numel()
        ),
        default=0.0,
    )


@contextlib.contextmanager
def deterministic_algorithms(enabled: bool) -> Iterator[None]:
    """``torch.use_deterministic_algorithms(enabled)`` inside, the previous setting after. The
    Trainer applies ``trainer.deterministic`` process-wide when it is built; the bare loop must
    run under the same setting, also before the first Trainer exists."""
    previous = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(enabled)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(previous)


def run_round(
    jobs: list[str],
    cfgs: dict,
    datamodule,
    initial: L.LightningModule,
    warmup: int,
    seed: int,
    run_dir: Path,
) -> tuple[dict[str, list], list[torch.nn.Module]]:
    """Each job once, in the order given: its step times (the bare twin's under
    ``"bare twin of <job>"``) and the trained models."""
    settings = {**VARIANTS, **ABLATIONS}
    times: dict[str, list] = {}
    finished = []
    for index, job in enumerate(jobs):
        model = copy.deepcopy(initial)
        if job == "bare loop":
            times[job] = run_bare(datamodule, model, seed)[warmup + 1 :]
            finished.append(model)
            continue
        cfg = copy.deepcopy(cfgs[job])
        cfg.paths.run_dir = str(run_dir / f"fit{index}")
        restrict_training_logs(model, settings[job][1])
        twin = copy.deepcopy(initial)
        pair = run_lightning(cfg, datamodule, model, twin, seed)
        times[job] = pair.lightning_times[warmup:]
        times[f"bare twin of {job}"] = pair.bare_times[warmup + 1 :]
        finished += [model, twin]
    return times, finished


def measure_method(
    method: str,
    steps: int,
    warmup: int,
    rounds: int,
    workdir: Path,
    variants: Iterable[str] = tuple(VARIANTS),
    seed: int = 0,
    on_round: Optional[Callable[[], None]] = None,
) -> dict[str, Any]:
    """Step times as (wall, CPU) seconds, per round: for each Lightning variant its steps and
    the interleaved bare twin's steps (paired, same length), and a standalone bare loop's; and
    the largest weight difference between any two runs of a round (0.0 when every path
    computed the same thing). Rounds rotate the order of the runs."""
    from hydra.utils import instantiate

    settings = {**VARIANTS, **ABLATIONS}
    variants = list(variants)
    cfgs = {v: compose(method, warmup + steps + 1, workdir, settings[v][0], seed) for v in variants}
    first = cfgs[variants[0]]
    datamodule = instantiate(first.data)
    jobs = [*variants, "bare loop"]
    times: dict[str, list] = {name: [] for v in variants for name in (v, f"bare twin of {v}")}
    times["bare loop"] = []
    difference = 0.0
    with deterministic_algorithms(bool(first.trainer.deterministic)):
        L.seed_everything(seed, verbose=False)
        initial = build_model(first, datamodule.num_classes)
        for round_index in range(rounds):
            shift = round_index % len(jobs)
            order = jobs[shift:] + jobs[:shift]
            got, finished = run_round(
                order, cfgs, datamodule, initial, warmup, seed, workdir / method / str(round_index)
            )
            for name, values in got.items():
                times[name].append(values)
            difference = max([difference] + [max_difference(finished[0], other) for other in finished[1:]])
            if on_round is not None:
                on_round()
    return {"variants": variants, "times": times, "max_weight_difference": difference}


def summarise(result: dict[str, Any]) -> dict[str, Any]:
    """Per clock (wall, CPU) and Lightning variant: median ms/step of its steps and of the
    interleaved bare steps (all rounds pooled); the ratio, as the median of the step-by-step
    ratios Lightning / bare (each pair ran back to back, so a change of load between rounds
    cancels), and its range over rounds; the median step-by-step difference; the standalone
    bare loop's median as a cross-check of the twin's."""
    summary: dict[str, Any] = {
        "variants": result["variants"],
        "max_weight_difference": result["max_weight_difference"],
        "steps_timed": sum(len(r) for r in result["times"][result["variants"][0]]),
    }
    for index, name in enumerate(CLOCKS):
        times = {job: [[step[index] for step in rnd] for rnd in rounds] for job, rounds in result["times"].items()}
        pooled = {job: [t for rnd in rounds for t in rnd] for job, rounds in times.items()}
        entry: dict[str, Any] = {"bare_loop_ms": 1000 * statistics.median(pooled["bare loop"])}
        for variant in result["variants"]:
            twin = f"bare twin of {variant}"
            lightning_ms, bare_ms = 1000 * statistics.median(pooled[variant]), 1000 * statistics.median(pooled[twin])
            per_round = [statistics.median(x / y for x, y in zip(a, b)) for a, b in zip(times[variant], times[twin])]
            entry[variant] = {
                "lightning_ms": lightning_ms,
                "bare_ms": bare_ms,
                "ratio": statistics.median(a / b for a, b in zip(pooled[variant], pooled[twin])),
                "round_ratio_range": [min(per_round), max(per_round)],
                "extra_ms": statistics.median(1000 * (a - b) for a, b in zip(pooled[variant], pooled[twin])),
                "ratio_of_medians": lightning_ms / bare_ms,
            }
        summary[name] = entry
    return summary


def geometric_mean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def machine() -> str:
    model = "unknown CPU"
    if os.path.exists("/proc/cpuinfo"):
        names = (line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
        model = next(names, model)
    memory = ""
    if os.path.exists("/proc/meminfo"):
        memory = f", {int(open('/proc/meminfo').readline().split()[1]) / 2**20:.0f} GiB RAM"
    return (
        f"{model}, {os.cpu_count()} cores{memory}, no GPU; Python {platform.python_version()}, "
        f"torch {torch.__version__}, lightning {L.__version__}; 1 torch thread, 1 process"
    )


def load_average() -> float:
    """The 1-minute load average (other processes share the cores)."""
    return float(open("/proc/loadavg").read().split()[0]) if os.path.exists("/proc/loadavg") else float("nan")


def ratio_cell(entry: dict[str, Any]) -> str:
    low, high = entry["round_ratio_range"]
    return f"{entry['ratio']:.3f} ({low:.2f}–{high:.2f})"


def main_table(summaries: dict[str, dict], clock_name: str) -> list[str]:
    lines = [
        "| method | Lightning ms/step | bare ms/step | extra ms/step | ratio (rounds) "
        "| Lightning+pbar ms/step | bare ms/step | extra ms/step | ratio (rounds) | bare loop alone ms/step |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for method, summary in summaries.items():
        entry = summary[clock_name]
        cells = [
            f"{e['lightning_ms']:.1f} | {e['bare_ms']:.1f} | {e['extra_ms']:.2f} | {ratio_cell(e)}"
            for e in (entry["lightning"], entry["lightning+pbar"])
        ]
        lines.append(f"| {method} | {cells[0]} | {cells[1]} | {entry['bare_loop_ms']:.1f} |")
    means = [geometric_mean([s[clock_name][v]["ratio"] for s in summaries.values()]) for v in VARIANTS]
    lines.append(f"| **geometric mean** | | | | **{means[0]:.3f}** | | | | **{means[1]:.3f}** | |")
    return lines + [""]


def ablation_table(summaries: dict[str, dict]) -> list[str]:
    lines = [
        "| method | variant | wall ratio | CPU: Lightning ms/step | CPU: bare ms/step | CPU: extra ms/step | CPU ratio |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for method, summary in summaries.items():
        for variant in summary["variants"]:
            wall, cpu = summary["wall"][variant], summary["cpu"][variant]
            lines.append(
                f"| {method} | {variant} | {wall['ratio']:.3f} | {cpu['lightning_ms']:.1f} | {cpu['bare_ms']:.1f} "
                f"| {cpu['extra_ms']:.2f} | {cpu['ratio']:.3f} |"
            )
    return lines + [""]


def report(meta: dict[str, Any], summaries: dict[str, dict], ablations: dict[str, dict]) -> str:
    loads = meta["load_average"]
    lines = [
        "# Training-step overhead: dalearn through the Lightning Trainer vs a bare PyTorch loop",
        "",
        f"Command: `{meta['command']}`  ",
        f"Date: {meta['date']}  ",
        f"Machine: {meta['machine']}.  ",
        f"Load: 1-minute load average {loads['before']:.2f} before, {loads['min']:.2f}–{loads['max']:.2f} "
        f"(median {loads['median']:.2f}) during, {loads['after']:.2f} after — the cores were shared with other work.",
        "",
        f"Setup: {meta['steps']} timed steps per fit after {meta['warmup']} warm-up steps, {meta['rounds']} rounds "
        "per method; the `digits` offline data (32 source + 32 target 28×28 images per step), `lenet` backbone, "
        "each method's default config. Lightning path: `build_model` + `build_trainer` from the composed "
        "`conf/train.yaml` — the training `self.log` calls (on logging iterations), the checkpoint / epoch-seeder / run-recorder / LR-monitor / domain-gap "
        "callbacks and the CSV logger (`log_every_n_steps=10`); progress bar off, and on (`+pbar`, TQDM into "
        "`/dev/null`). Bare path: the method's `compute_losses` (MCD: its A, B, 4 × C steps) + backward + "
        "optimizer and scheduler steps from the model's own `configure_optimizers()`, on the same DataModule "
        "loaders. A bare step runs after every Lightning step (step-level interleaving); times are medians "
        "over all timed steps; *ratio* = median of the step-by-step ratios Lightning / bare (each pair ran "
        "back to back), with its range over the rounds in brackets. "
        "Validation, checkpoint saving and set-up are outside the timed window. Every round checks that the "
        "Lightning run, its bare twin and the standalone bare loop end with bit-identical weights: largest "
        f"difference over all methods and rounds {meta['max_weight_difference']:.1e}.",
        "",
        "## Wall time per training step",
        "",
        *main_table(summaries, "wall"),
        "## CPU time of the training thread per step (the same runs; less sensitive to the shared load)",
        "",
        *main_table(summaries, "cpu"),
    ]
    if ablations:
        lines += [
            "## Where the time goes",
            "",
            "The dalearn Lightning path (progress bar off unless named) with one part removed or changed, each "
            "against its own interleaved bare twin. *extra* = median step-by-step difference Lightning − bare. "
            "`no training self.log`: the model's `self.log` is a no-op while it trains (evaluation still logs). "
            "dalearn logs training values only on the iterations whose values Lightning writes to the logger "
            "(`trainer._logger_connector.should_update_logs`, every `log_every_n_steps`); "
            "`training self.log on every step`: on every iteration instead (`log_train_every_step`). "
            "`no logger or callbacks (seeder kept)`: `~logger`, no checkpoint, run-recorder or LR-monitor "
            "callback (`+trainer.enable_checkpointing=false`); the epoch seeder stays, so the dropout masks still "
            "match the twin's. "
            "`Lightning loop only`: both. `progress bar refreshed every 10 steps`: a `TQDMProgressBar(refresh_rate=10)` "
            "callback.",
            "",
            *ablation_table(ablations),
        ]
    return "\n".join(lines)


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(text)
    os.replace(partial, path)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--steps", type=int, default=40, help="timed steps per fit")
    parser.add_argument("--warmup", type=int, default=5, help="steps dropped at the start of each fit")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per method")
    parser.add_argument(
        "--ablations",
        nargs="*",
        default=[],
        choices=METHODS,
        metavar="METHOD",
        help="also measure the ablations (where the time goes) for these methods",
    )
    parser.add_argument("--out", type=Path, help="write the Markdown report here (and the summary as JSON next to it)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    for name in ("lightning.pytorch", "lightning.fabric"):
        logging.getLogger(name).setLevel(logging.WARNING)
    loads = [load_average()]
    summaries: dict[str, dict] = {}
    ablations: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as workdir:
        for method in args.methods:
            result = measure_method(
                method,
                args.steps,
                args.warmup,
                args.rounds,
                Path(workdir) / "paths",
                on_round=lambda: loads.append(load_average()),
            )
            summaries[method] = summarise(result)
            print(
                f"{method}: ratio {summaries[method]['wall']['lightning']['ratio']:.3f} (wall), "
                f"{summaries[method]['cpu']['lightning']['ratio']:.3f} (CPU)",
                flush=True,
            )
        for method in args.ablations:
            result = measure_method(
                method,
                args.steps,
                args.warmup,
                args.rounds,
                Path(workdir) / "ablations",
                variants=ABLATIONS,
                on_round=lambda: loads.append(load_average()),
            )
            ablations[method] = summarise(result)
            print(f"{method}: ablations done", flush=True)
    meta = {
        "command": "python benchmarks/overhead.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "machine": machine(),
        "load_average": {
            "before": loads[0],
            "after": load_average(),
            "min": min(loads[1:] or loads),
            "max": max(loads[1:] or loads),
            "median": statistics.median(loads[1:] or loads),
        },
        "steps": args.steps,
        "warmup": args.warmup,
        "rounds": args.rounds,
        "max_weight_difference": max(s["max_weight_difference"] for s in [*summaries.values(), *ablations.values()]),
    }
    text = report(meta, summaries, ablations) + "\n"
    print(text)
    if args.out:
        write_atomically(args.out, text)
        payload = {"meta": meta, "methods": summaries, "ablations": ablations}
        write_atomically(args.out.with_suffix(".json"), json.dumps(payload, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
