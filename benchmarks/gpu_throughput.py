"""ResNet-50 training throughput on one GPU: images/s in fp32 and bf16-mixed, and whether the
data loader keeps up.

Each precision trains one DANN run through dalearn's real training path (``dalearn.train.train``
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

Images/s counts source + target images over the sum of both. Separately, the same
DataModule's training loaders are read without a model for the same number of steps: the
rate the loader can deliver at most on this machine.

    python benchmarks/gpu_throughput.py --out benchmarks/RESULTS.md
    python benchmarks/gpu_throughput.py --steps 100 --set data.num_workers=8 --set ++data.pin_memory=true

Without a CUDA device it stops with a message: it has nothing to measure on the CPU.
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

PRECISIONS = ("32-true", "bf16-mixed")
START, END = "<!-- gpu_throughput:start -->", "<!-- gpu_throughput:end -->"


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=60, help="timed training steps per precision")
    parser.add_argument("--warmup", type=int, default=15, help="untimed steps first (cuDNN set-up, worker start)")
    parser.add_argument("--images-per-class", type=int, default=6, help="JPEGs per class and domain in the tree")
    parser.add_argument("--sizes", default="1600x1200,2048x1536,3000x2000", help="JPEG sizes, cycled")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        help="extra dalearn-train override (repeatable), e.g. data.num_workers=8")
    parser.add_argument("--out", type=Path, help="Markdown file to write this benchmark's section into")
    args = parser.parse_args(argv)
    if args.steps < 2 or args.warmup < 1:
        parser.error("--steps must be at least 2 and --warmup at least 1")
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


def train_once(cfg, warmup: int) -> dict[str, float]:
    """Train ``cfg`` (one epoch of warm-up + timed steps) and return the timings."""
    from omegaconf import open_dict

    from dalearn.run.training import train

    with open_dict(cfg):
        cfg.callbacks.step_timer = {"_target_": f"{StepTimer.__module__}.StepTimer", "warmup": warmup}
    torch.cuda.reset_peak_memory_stats()
    _, objects = train(cfg)
    (timer,) = [c for c in objects["trainer"].callbacks if isinstance(c, StepTimer)]
    step, outside = sum(timer.steps), sum(timer.outside)
    return {
        "images_per_s": timer.images / (step + outside),
        "step_ms": 1000 * statistics.fmean(timer.steps),
        "outside_ms": 1000 * statistics.fmean(timer.outside) if timer.outside else 0.0,
        "outside_share": outside / (step + outside),
        "peak_gib": torch.cuda.max_memory_allocated() / 2**30,
        "steps": len(timer.steps),
    }


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
    props = torch.cuda.get_device_properties(0)
    cpu = "unknown CPU"
    if os.path.exists("/proc/cpuinfo"):
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (
        f"{torch.cuda.get_device_name(0)} ({props.total_memory / 2**30:.0f} GiB), CUDA {torch.version.cuda}, "
        f"cuDNN {torch.backends.cudnn.version()}; {cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, "
        f"torch {torch.__version__}"
    )


def report(
    args: argparse.Namespace, overrides: list[str], rows: dict[str, dict[str, float]], loader_rate: float
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
        "| precision | images/s | step (ms) | outside the step (ms) | share outside | peak GPU memory (GiB) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for precision, row in rows.items():
        lines.append(
            f"| {precision} | {row['images_per_s']:.0f} | {row['step_ms']:.1f} | {row['outside_ms']:.1f} | "
            f"{100 * row['outside_share']:.1f}% | {row['peak_gib']:.1f} |"
        )
    fastest = max(row["images_per_s"] for row in rows.values())
    verdict = "keeps up with" if loader_rate >= 1.1 * fastest else "limits"
    lines += [
        "",
        f"The training loaders alone (same workers, no model) deliver {loader_rate:.0f} images/s: the loader "
        f"{verdict} the fastest training rate ({fastest:.0f} images/s). \"Outside the step\" is the time Lightning "
        "spends between steps (fetching the next batch, the host→GPU copy, bookkeeping).",
        END,
    ]
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


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    if not torch.cuda.is_available():
        print(
            "gpu_throughput: no CUDA device is visible (torch.cuda.is_available() is False). This benchmark "
            "measures GPU training throughput; run it on a machine with an NVIDIA GPU. Nothing was measured.",
            file=sys.stderr,
        )
        return 2
    sizes = [tuple(int(v) for v in size.split("x")) for size in args.sizes.split(",")]
    precisions = [p for p in PRECISIONS if p != "bf16-mixed" or torch.cuda.is_bf16_supported()]
    with tempfile.TemporaryDirectory() as workdir:
        root = photo_tree(Path(workdir) / "office31", args.images_per_class, sizes)
        overrides = [
            "experiment=office31/dann", "data.task=A2W", "backbone.pretrained=false",
            "trainer.max_epochs=1", "trainer.enable_progress_bar=false",
            f"data.iters_per_epoch={args.warmup + args.steps}", *args.overrides,
        ]
        rows = {}
        for precision in precisions:
            run_dir = Path(workdir) / precision
            cfg = compose([f"data.root={root}", *overrides, f"trainer.precision={precision}"], run_dir)
            rows[precision] = train_once(cfg, args.warmup)
            print(f"{precision}: {rows[precision]['images_per_s']:.0f} images/s", flush=True)
        loader_rate = loader_alone(compose([f"data.root={root}", *overrides], Path(workdir) / "loader"), args.warmup,
                                   args.steps)
    section = report(args, overrides, rows, loader_rate)
    print(section)
    if "bf16-mixed" not in precisions:
        print("bf16-mixed skipped: this GPU does not support bfloat16", file=sys.stderr)
    if args.out:
        write_section(args.out, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
