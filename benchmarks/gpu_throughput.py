"""ResNet-50 training throughput on one GPU — fp32, bf16-mixed, the decoded-image cache and
``torch.compile`` — whether the data loader keeps up, and the projected GPU-hours of the whole
Office-31 table.

Each precision trains one DANN run through dalearn's real training path (``dalearn.run.training.train``
on the published recipe ``experiment=office31/dann``: ResNet-50, batch 32 source + 32 target,
the recipe's augmentation and data workers) on a generated Office-31 tree whose JPEGs are
photo-sized (scikit-learn's two bundled photos, resized, with mild noise). The backbone starts
from random weights (no download; weights do not change the speed).

A callback times every training step after ``--warmup`` steps:

- step: from ``on_train_batch_start`` to ``on_train_batch_end`` (forward, backward, optimizer;
  the GPU is synchronised at the end, so this is the real compute time);
- outside the step: from the end of one step to the start of the next — Lightning fetching
  the next batch from the loader (plus the host→GPU copy and loop bookkeeping). If the loader
  keeps up, this is small next to the step.

Images/s counts source + target images over the sum of both. Variants (:data:`VARIANTS`):
fp32 and bf16-mixed decoding every JPEG each epoch (today's default), bf16 with the decoded-image
cache (``data.cache``: the loader copies uint8 squares, crop/flip/normalise run batched on the GPU),
and the same with ``torch.compile`` on the backbone (``nn.Module.compile``, in place). The cache is
built first and its build time reported. Separately, the DataModule's training loaders are read
without a model for the same number of steps (decoding and cached): the most the loader can
deliver on this machine.

Projection: every method of the Office-31 table is then trained for ``--projection-steps`` steps
with the fastest variant's settings, and an evaluation pass (forward only) is timed. With the
published budgets read from the recipes (``experiment=office31/<method>``: E epochs × I
iterations) and the target domain sizes N_t of the six tasks, the table costs

    hours = Σ_methods Σ_tasks seeds × E · (I · t_step(method) + N_t / eval images/s) / 3600

plus one cache build. The projection goes into the same section of ``--out``.

    python benchmarks/gpu_throughput.py --out benchmarks/RESULTS.md
    python benchmarks/gpu_throughput.py --steps 100 --set data.num_workers=8 --set ++data.pin_memory=true

Without a CUDA device it stops with a message: it has nothing to measure on the CPU
(``--cpu`` runs the same code on the CPU with whatever ``--set`` overrides shrink it — for testing
the wiring, not for numbers).
``--out`` replaces this benchmark's section of the file (between its marker comments) or
appends one, so other results in the same file are kept.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from itertools import cycle
from pathlib import Path
from typing import Any, Optional

import lightning as L
import numpy as np
import torch

METHODS = ("source_only", "dann", "dan", "jan", "cdan", "mcd", "mdd")
SEEDS = 3
VARIANTS = {
    "fp32, decode every epoch": {"precision": "32-true", "cache": False, "compile": False},
    "bf16, decode every epoch": {"precision": "bf16-mixed", "cache": False, "compile": False},
    "bf16, cached": {"precision": "bf16-mixed", "cache": True, "compile": False},
    "bf16, cached, torch.compile": {"precision": "bf16-mixed", "cache": True, "compile": True},
}
START, END = "<!-- gpu_throughput:start -->", "<!-- gpu_throughput:end -->"


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=60, help="timed training steps per precision")
    parser.add_argument("--warmup", type=int, default=15, help="untimed steps first (cuDNN set-up, worker start)")
    parser.add_argument("--images-per-class", type=int, default=6, help="JPEGs per class and domain in the tree")
    parser.add_argument("--sizes", default="1600x1200,2048x1536,3000x2000", help="JPEG sizes, cycled")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        help="extra dalearn-train override (repeatable), e.g. data.num_workers=8",
    )
    parser.add_argument("--out", type=Path, help="Markdown file to write this benchmark's section into")
    parser.add_argument(
        "--variants",
        nargs="+",
        default=list(VARIANTS),
        choices=list(VARIANTS),
        metavar="VARIANT",
        help=f"which variants to measure (default all: {'; '.join(VARIANTS)})",
    )
    parser.add_argument(
        "--methods",
        nargs="+",
        default=list(METHODS),
        choices=METHODS,
        help="methods whose step time feeds the Office-31 projection (default all 7)",
    )
    parser.add_argument("--projection-steps", type=int, default=30, help="timed steps per method for the projection")
    parser.add_argument("--eval-batches", type=int, default=10, help="timed evaluation batches (forward only)")
    parser.add_argument("--cpu", action="store_true", help="run on the CPU (tests the wiring; no numbers)")
    args = parser.parse_args(argv)
    if args.steps < 2 or args.warmup < 1 or args.projection_steps < 2:
        parser.error("--steps and --projection-steps must be at least 2 and --warmup at least 1")
    return args


def photo_tree(root: Path, images_per_class: int, sizes: list[tuple[int, int]]) -> Path:
    """An Office-31 tree (list files, folders) whose images are photo-sized JPEGs."""
    from PIL import Image
    from sklearn.datasets import load_sample_image

    from dalearn.data.benchmarks.fake_tree import make_fake_tree

    make_fake_tree("office31", root, images_per_class=images_per_class)
    photos = [Image.fromarray(load_sample_image(name)) for name in ("china.jpg", "flower.jpg")]
    rng = np.random.default_rng(0)
    for index, (path, size) in enumerate(zip(sorted(root.rglob("*.jpg")), cycle(sizes))):
        base = np.asarray(photos[index % 2].resize(size, Image.Resampling.BILINEAR), dtype=np.int16)
        noisy = np.clip(base + rng.integers(-4, 5, size=base.shape), 0, 255).astype(np.uint8)
        Image.fromarray(noisy).save(path, quality=90)
    return root


def images_in(batch: Any) -> int:
    """Images in a training batch: the first dimension of every 4-d tensor in it."""
    if torch.is_tensor(batch):
        return int(batch.shape[0]) if batch.dim() == 4 else 0
    if isinstance(batch, dict):
        return sum(images_in(value) for value in batch.values())
    if isinstance(batch, (list, tuple)):
        return sum(images_in(value) for value in batch)
    return 0


class StepTimer(L.Callback):
    """Per training step after warm-up: compute time, time outside the step, images."""

    def __init__(self, warmup: int) -> None:
        self.warmup = warmup
        self.steps: list[float] = []
        self.outside: list[float] = []
        self.images = 0
        self._start = 0.0
        self._end: Optional[float] = None

    def on_train_batch_start(
        self, trainer: L.Trainer, pl_module: L.LightningModule, batch: Any, batch_idx: int
    ) -> None:
        now = time.perf_counter()
        if batch_idx >= self.warmup:
            if self._end is not None:
                self.outside.append(now - self._end)
            self.images += images_in(batch)
        self._start = now

    def on_train_batch_end(
        self, trainer: L.Trainer, pl_module: L.LightningModule, outputs: Any, batch: Any, batch_idx: int
    ) -> None:
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        now = time.perf_counter()
        if batch_idx >= self.warmup:
            self.steps.append(now - self._start)
        self._end = now


class CompileBackbone(L.Callback):
    """``torch.compile`` the backbone in place (``nn.Module.compile``: parameters, state-dict
    keys and optimiser groups stay as they are) when fitting starts."""

    def setup(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        pl_module.backbone.compile()


def compose(overrides: list[str], run_dir: Path):
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from omegaconf import open_dict

    from dalearn.run.config import CONFIG_DIR

    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = hydra_compose(config_name="train", overrides=overrides)
    with open_dict(cfg):
        cfg.paths.run_dir = str(run_dir)
    return cfg


def train_once(cfg, warmup: int, compile_backbone: bool = False) -> tuple[dict[str, float], dict[str, Any]]:
    """Train ``cfg`` (one epoch of warm-up + timed steps); return the timings and the run's
    objects (trainer, model, datamodule)."""
    from omegaconf import open_dict

    from dalearn.run.training import train

    with open_dict(cfg):
        cfg.callbacks.step_timer = {"_target_": f"{StepTimer.__module__}.StepTimer", "warmup": warmup}
        if compile_backbone:
            cfg.callbacks.compile_backbone = {"_target_": f"{CompileBackbone.__module__}.CompileBackbone"}
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    _, objects = train(cfg)
    (timer,) = [c for c in objects["trainer"].callbacks if isinstance(c, StepTimer)]
    step, outside = sum(timer.steps), sum(timer.outside)
    return {
        "images_per_s": timer.images / (step + outside),
        "step_ms": 1000 * statistics.fmean(timer.steps),
        "outside_ms": 1000 * statistics.fmean(timer.outside) if timer.outside else 0.0,
        "outside_share": outside / (step + outside),
        "peak_gib": torch.cuda.max_memory_allocated() / 2**30 if torch.cuda.is_available() else 0.0,
        "steps": len(timer.steps),
    }, objects


def eval_rate(objects: dict[str, Any], precision: str, batches: int) -> float:
    """Images/s of the trained model's forward pass over the first evaluation loader (the
    DataModule's on-device augmentation applied when it is on), after one untimed batch."""
    model, datamodule = objects["model"], objects["datamodule"]
    device = next(model.parameters()).device
    loader = datamodule.val_dataloader()[0]
    dtype = torch.bfloat16 if precision.startswith("bf16") else None
    model.eval()
    images, start, seen = 0, 0.0, 0
    with torch.inference_mode(), torch.autocast(device.type, dtype=dtype or torch.float32, enabled=dtype is not None):
        while seen <= batches:
            for batch in loader:
                x, y = datamodule.on_after_batch_transfer([t.to(device, non_blocking=True) for t in batch], 0)
                model(x)
                if seen == 0:
                    if device.type == "cuda":
                        torch.cuda.synchronize()
                    start = time.perf_counter()
                else:
                    images += x.shape[0]
                seen += 1
                if seen > batches:
                    break
    if device.type == "cuda":
        torch.cuda.synchronize()
    return images / (time.perf_counter() - start)


def office31_projection(step_seconds: dict[str, float], eval_images_per_s: float) -> list[dict[str, Any]]:
    """Per method: the published budget (epochs × iterations, from the recipe), the six tasks'
    target images evaluated each epoch, and the projected GPU-hours for 6 tasks × 3 seeds.

    hours(method) = SEEDS · Σ_tasks E · (I · t_step + N_target / eval_rate) / 3600
    """
    from dalearn.data.benchmarks import get_benchmark, parse_task

    spec = get_benchmark("office31")
    targets = [parse_task(spec, task)[1] for task in spec.tasks]
    target_images = sum(next(iter(domain.counts.values())) for domain in targets)
    rows = []
    for method, seconds in step_seconds.items():
        cfg = compose([f"experiment=office31/{method}", "data.root=/nowhere"], Path("/nowhere"))
        epochs, iters = int(cfg.trainer.max_epochs), int(cfg.data.iters_per_epoch)
        train_s = SEEDS * len(targets) * epochs * iters * seconds
        eval_s = SEEDS * epochs * target_images / eval_images_per_s
        rows.append(
            {
                "method": method,
                "epochs": epochs,
                "iters": iters,
                "step_ms": 1000 * seconds,
                "runs": SEEDS * len(targets),
                "hours": (train_s + eval_s) / 3600,
            }
        )
    return rows


def loader_alone(cfg, warmup: int, steps: int) -> float:
    """Images/s the recipe's training loaders deliver with no model attached."""
    from hydra.utils import instantiate

    datamodule = instantiate(cfg.data)
    loaders = datamodule.train_dataloader()
    images, start = 0, 0.0
    for index, (source, target) in enumerate(zip(loaders["source"], loaders["target"])):
        if index == warmup:
            start = time.perf_counter()
        elif index > warmup:
            images += images_in(source) + images_in(target)
        if index == warmup + steps - 1:
            break
    return images / (time.perf_counter() - start)


def machine() -> str:
    cpu = "unknown CPU"
    if os.path.exists("/proc/cpuinfo"):
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    host = f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, torch {torch.__version__}"
    if not torch.cuda.is_available():
        return f"no GPU (--cpu: a wiring test, not a measurement); {host}"
    props = torch.cuda.get_device_properties(0)
    return (
        f"{torch.cuda.get_device_name(0)} ({props.total_memory / 2**30:.0f} GiB), CUDA {torch.version.cuda}, "
        f"cuDNN {torch.backends.cudnn.version()}; {host}"
    )


def report(
    args: argparse.Namespace,
    overrides: list[str],
    rows: dict[str, dict[str, float]],
    loader_rates: dict[str, float],
    build: dict[str, float],
    projection: list[dict[str, Any]],
    projection_variant: str,
    eval_images_per_s: float,
) -> str:
    command = "python benchmarks/gpu_throughput.py " + " ".join(sys.argv[1:])
    lines = [
        START,
        "## GPU training throughput (ResNet-50, DANN, Office-31 recipe)",
        "",
        f"Command: `{command.strip()}`  ",
        f"Machine: {machine()}.  ",
        f"Overrides: `{' '.join(overrides)}`. Images: photo-sized JPEGs ({args.sizes}), "
        f"{args.images_per_class} per class and domain; {args.steps} timed steps after {args.warmup} warm-up steps; "
        "each step is 32 source + 32 target images.",
        "",
        "| variant | images/s | step (ms) | outside the step (ms) | share outside | peak GPU memory (GiB) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for variant, row in rows.items():
        lines.append(
            f"| {variant} | {row['images_per_s']:.0f} | {row['step_ms']:.1f} | {row['outside_ms']:.1f} | "
            f"{100 * row['outside_share']:.1f}% | {row['peak_gib']:.1f} |"
        )
    fastest = max(row["images_per_s"] for row in rows.values())
    lines += [""]
    for name, rate in loader_rates.items():
        verdict = "keeps up with" if rate >= 1.1 * fastest else "limits"
        lines.append(
            f"- The training loaders alone ({name}, same workers, no model) deliver {rate:.0f} images/s: "
            f"they {verdict} the fastest training rate ({fastest:.0f} images/s)."
        )
    if build:
        lines.append(
            f"- Building the cache of both domains ({build['images']} images) took {build['seconds']:.1f} s "
            f"({build['images'] / build['seconds']:.0f} images/s, {build['bytes'] / 2**20:.0f} MiB), once."
        )
    lines += [
        "",
        '"Outside the step" is the time Lightning spends between steps (fetching the next batch, the host→GPU '
        "copy, bookkeeping; with the cache also the batched crop/flip/normalise on the GPU).",
        "",
    ]
    if projection:
        total = sum(row["hours"] for row in projection)
        lines += [
            f"### Projected GPU-hours of the Office-31 table ({projection_variant})",
            "",
            f"Step time per method measured over {args.projection_steps} steps; evaluation {eval_images_per_s:.0f} "
            "images/s (forward only); budgets from the recipes; 6 tasks × 3 seeds per method, the target domain "
            "evaluated after every epoch: hours = 3 · Σ_tasks E · (I · t_step + N_target / eval rate) / 3600.",
            "",
            "| method | epochs × iterations | step (ms) | runs | GPU-hours |",
            "|---|---:|---:|---:|---:|",
        ]
        for row in projection:
            lines.append(
                f"| {row['method']} | {row['epochs']} × {row['iters']} | {row['step_ms']:.1f} | {row['runs']} | "
                f"{row['hours']:.1f} |"
            )
        lines += [
            "",
            f"**Whole table ({sum(r['runs'] for r in projection)} runs): {total:.1f} GPU-hours** on this GPU, "
            f"one run at a time, plus the one-off cache build.",
        ]
    lines.append(END)
    return "\n".join(lines) + "\n"


def write_section(path: Path, section: str) -> None:
    """Replace this benchmark's section of ``path`` (or append it), atomically."""
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if START in text and END in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1].lstrip("\n")
        text = before + section + after
    else:
        text = text + ("\n" if text and not text.endswith("\n\n") else "") + section
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.tmp")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def build_caches(root: Path, cache_dir: Path) -> dict[str, float]:
    """Build the caches of the A2W task's two domains; their size and build time."""
    from dalearn.data.benchmarks import benchmark_domain

    start = time.perf_counter()
    datasets = [benchmark_domain("office31", root, domain=key, cache=cache_dir) for key in ("A", "W")]
    return {
        "seconds": time.perf_counter() - start,
        "images": sum(len(d) for d in datasets),
        "bytes": sum(d.entry.nbytes for d in datasets),
    }


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    if not args.cpu and not torch.cuda.is_available():
        print(
            "gpu_throughput: no CUDA device is visible (torch.cuda.is_available() is False). This benchmark "
            "measures GPU training throughput; run it on a machine with an NVIDIA GPU. Nothing was measured.",
            file=sys.stderr,
        )
        return 2
    sizes = [tuple(int(v) for v in size.split("x")) for size in args.sizes.split(",")]
    bf16 = args.cpu or torch.cuda.is_bf16_supported()
    variants = {name: VARIANTS[name] for name in args.variants if bf16 or VARIANTS[name]["precision"] != "bf16-mixed"}
    with tempfile.TemporaryDirectory() as workdir:
        root = photo_tree(Path(workdir) / "office31", args.images_per_class, sizes)
        cache_dir = Path(workdir) / "cache"
        build = build_caches(root, cache_dir) if any(v["cache"] for v in variants.values()) else {}
        base = [
            "backbone.pretrained=false",
            "trainer.max_epochs=1",
            "trainer.enable_progress_bar=false",
            *(["trainer=cpu"] if args.cpu else []),
            *args.overrides,
        ]
        overrides = [
            "experiment=office31/dann",
            "data.task=A2W",
            f"data.iters_per_epoch={args.warmup + args.steps}",
            *base,
        ]

        def variant_overrides(variant: dict[str, Any]) -> list[str]:
            cache = f"data.cache={cache_dir}" if variant["cache"] else "data.cache=null"
            return [f"data.root={root}", cache, f"trainer.precision={variant['precision']}"]

        rows, objects = {}, {}
        for name, variant in variants.items():
            cfg = compose([*overrides, *variant_overrides(variant)], Path(workdir) / name.replace(" ", "_"))
            rows[name], objects[name] = train_once(cfg, args.warmup, variant["compile"])
            print(f"{name}: {rows[name]['images_per_s']:.0f} images/s", flush=True)
        loader_rates = {}
        for label, cache in (("decoding", "null"), ("cached", str(cache_dir))):
            if cache != "null" and not build:
                continue
            on_gpu = [] if cache == "null" or args.cpu else ["data.augment_on_gpu=true"]
            cfg = compose(
                [f"data.root={root}", *overrides, f"data.cache={cache}", *on_gpu], Path(workdir) / f"loader-{label}"
            )
            loader_rates[label] = loader_alone(cfg, args.warmup, args.steps)
        best = max(rows, key=lambda name: rows[name]["images_per_s"])
        eval_images_per_s = eval_rate(objects[best], variants[best]["precision"], args.eval_batches)
        step_seconds = {}
        for method in args.methods:
            cfg = compose(
                [
                    f"experiment=office31/{method}",
                    "data.task=A2W",
                    f"data.iters_per_epoch={args.warmup + args.projection_steps}",
                    *base,
                    *variant_overrides(variants[best]),
                ],
                Path(workdir) / f"projection-{method}",
            )
            timing, _ = train_once(cfg, args.warmup, variants[best]["compile"])
            step_seconds[method] = (timing["step_ms"] + timing["outside_ms"]) / 1000
            print(f"projection {method}: {1000 * step_seconds[method]:.1f} ms per step", flush=True)
    projection = office31_projection(step_seconds, eval_images_per_s)
    section = report(args, overrides, rows, loader_rates, build, projection, best, eval_images_per_s)
    print(section)
    if not bf16:
        print("bf16-mixed skipped: this GPU does not support bfloat16", file=sys.stderr)
    if args.out:
        write_section(args.out, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
