"""Training-pipeline throughput per CPU core: the reference pipeline, today's and the cached one.

- reference (the published recipes' loader): full PIL decode → square resize 256 →
  RandomResizedCrop 224 → flip → ToTensor → Normalize;
- today's default: the same steps with reduced-size JPEG decoding (``ImageList(decode_size=256)``);
- cached: every image decoded and square-resized once into the decoded-image cache
  (``data.cache``, :mod:`dalearn.data.cache`); each epoch copies the 256 × 256 uint8 square out
  of the memory map and runs RandomResizedCrop → flip → normalise on the uint8 tensor (the
  per-image path of the DataModule's workers; on a GPU the same steps run batched there).

On generated JPEG trees of 300×300 (Office-31 amazon), 640×480, 1000×1000 and photo sizes, all
pipelines run in this one process on one thread, interleaved round by round over the same images
in the same order (several passes per round for the fast ones, so that no round is shorter than
half a second), so background load hits them alike; the rate is the median over rounds. The
cache's build time (one decoding thread) and size are reported, and an epoch's wall time over a
generated Office-31-amazon-sized domain (2817 JPEGs of 300×300) for each pipeline.

"Δ vs reference" checks the augmentation: for the same seed every pipeline draws the same crop
boxes and flips, and the column gives the mean absolute difference of the output to the
reference's (0–255 scale).

    python benchmarks/data_pipeline.py --out benchmarks/results/data_pipeline.md
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import numpy as np
import PIL
import torch
from PIL import Image, features
from sklearn.datasets import load_sample_image

from dalearn.data.cache import cache_image_list
from dalearn.data.image_list import ImageList
from dalearn.data.transforms import IMAGENET_STD, reference_train_transform, train_transform
from dalearn.io import atomic_write_text

TREES = {
    "300×300": ((300, 300),),
    "640×480": ((640, 480),),
    "1000×1000": ((1000, 1000),),
    "photo": ((1600, 1200), (2048, 1536), (3000, 2000), (4032, 3024)),
}
PIPELINES = ("reference", "today", "cached")
LABELS = {
    "reference": "reference (full decode, torchvision steps)",
    "today": "today's default (decode_size=256)",
    "cached": "cached (uint8 square, crop/flip/normalise on uint8)",
}
OFFICE31_AMAZON = 2817
MIN_ROUND_S = 0.5  # a fast pipeline goes over the images several times per round, so no round is shorter


def write_tree(root: Path, sizes: tuple[tuple[int, int], ...], count: int, seed: int = 0) -> Path:
    """``count`` JPEGs (quality 90) cycling through ``sizes``, made from scikit-learn's two
    bundled photos with mild noise (so they compress like photos, not flat colour), and a list."""
    rng = np.random.default_rng(seed)
    photos = [Image.fromarray(load_sample_image(name)) for name in ("china.jpg", "flower.jpg")]
    bases = {}
    (root / "images").mkdir(parents=True, exist_ok=True)
    lines = []
    for index in range(count):
        width, height = sizes[index % len(sizes)]
        key = (index % 2, width, height)
        if key not in bases:
            bases[key] = np.asarray(photos[index % 2].resize((width, height), Image.Resampling.BICUBIC), dtype=np.int16)
        noisy = np.clip(bases[key] + rng.integers(-4, 5, size=bases[key].shape), 0, 255).astype(np.uint8)
        name = f"images/{index:04d}_{width}x{height}.jpg"
        Image.fromarray(noisy).save(root / name, quality=90)
        lines.append(f"{name} {index % 2}")
    list_file = root / "list.txt"
    list_file.write_text("\n".join(lines) + "\n")
    return list_file


def pipelines(root: Path, list_file: Path, cache_dir: Path) -> tuple[dict[str, tuple[object, Callable]], dict]:
    """The three pipelines as (dataset, transform), and the cache build's figures."""
    classes = ["china", "flower"]
    today = ImageList(root, list_file, classes, decode_size=256)
    start = time.perf_counter()
    cached = cache_image_list(today, cache_dir, side=256, workers=1)
    build = {"seconds": time.perf_counter() - start, "bytes": os.path.getsize(cached.path), "images": len(cached)}
    return {
        "reference": (ImageList(root, list_file, classes), reference_train_transform()),
        "today": (today, train_transform()),
        "cached": (cached, train_transform()),
    }, build


def run_once(dataset, transform: Callable, order: list[int], seed: int) -> float:
    """Seconds to load and augment every image of ``order`` once."""
    torch.manual_seed(seed)
    start = time.perf_counter()
    for index in order:
        image, _ = dataset[index]
        transform(image)
    return time.perf_counter() - start


def pixel_difference(candidate: tuple, reference: tuple, n: int) -> float:
    """Mean |output − reference output| over ``n`` images with equal seeds (equal crop boxes and
    flips), in 0–255 units."""
    scale = torch.tensor(IMAGENET_STD).view(3, 1, 1) * 255.0
    total = 0.0
    for index in range(n):
        torch.manual_seed(index)
        ours = candidate[1](candidate[0][index][0])
        torch.manual_seed(index)
        theirs = reference[1](reference[0][index][0])
        total += float(((ours - theirs).abs() * scale).mean())
    return total / n


def measure(candidates: dict[str, tuple], rounds: int) -> dict[str, dict[str, float]]:
    """Per pipeline: median images/s over interleaved rounds, ratio to the reference, Δ. A round
    passes over the images as often as it takes to last :data:`MIN_ROUND_S` (timer resolution
    and short load spikes would dominate a 10 ms round of the cached pipeline)."""
    n = len(candidates["reference"][0])
    order = [int(i) for i in np.random.default_rng(1).permutation(n)]
    repeats = {}
    for name, (dataset, transform) in candidates.items():
        run_once(dataset, transform, order[:4], seed=0)
        repeats[name] = max(1, math.ceil(MIN_ROUND_S / run_once(dataset, transform, order, seed=0)))
    times: dict[str, list[float]] = {name: [] for name in candidates}
    names = list(candidates)
    for round_index in range(rounds):
        for name in names[round_index % len(names) :] + names[: round_index % len(names)]:
            times[name].append(run_once(*candidates[name], order * repeats[name], seed=round_index))
    rates = {name: n * repeats[name] / statistics.median(values) for name, values in times.items()}
    return {
        name: {
            "rate": rates[name],
            "ratio": rates[name] / rates["reference"],
            "delta": pixel_difference(candidates[name], candidates["reference"], min(n, 8)),
        }
        for name in names
    }


def epoch_times(workdir: Path, count: int) -> dict[str, float]:
    """Wall seconds for one epoch over a generated Office-31-amazon-sized domain (300×300 JPEGs):
    each pipeline once, plus the cache build before the first cached epoch."""
    root = workdir / "amazon"
    list_file = write_tree(root, TREES["300×300"], count, seed=3)
    candidates, build = pipelines(root, list_file, workdir / "amazon-cache")
    order = [int(i) for i in np.random.default_rng(2).permutation(count)]
    result = {"build": build["seconds"], "bytes": build["bytes"]}
    for name in PIPELINES:
        result[name] = run_once(*candidates[name], order, seed=0)
    return result


def cpu_model() -> str:
    try:
        output = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
        for line in output.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except (OSError, subprocess.SubprocessError):
        pass
    if os.path.exists("/proc/cpuinfo"):
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown CPU"


def machine() -> str:
    memory = ""
    if os.path.exists("/proc/meminfo"):
        kib = int(open("/proc/meminfo").readline().split()[1])
        memory = f", {kib / 2**20:.0f} GiB RAM"
    turbo = "libjpeg-turbo" if features.check_feature("libjpeg_turbo") else "libjpeg"
    return (
        f"{cpu_model()} (lscpu model name), {os.cpu_count()} cores{memory}, no GPU used; Python "
        f"{platform.python_version()}, torch {torch.__version__}, Pillow {PIL.__version__} ({turbo}); "
        f"1 torch thread, 1 process"
    )


def load_average() -> str:
    """The 1-minute load average (other processes share the cores; interleaving keeps the
    ratios fair, but absolute rates drop under load)."""
    return open("/proc/loadavg").read().split()[0] if os.path.exists("/proc/loadavg") else "n/a"


def summary_table(results: dict[str, dict], counts: dict[str, int]) -> list[str]:
    lines = [
        "| JPEG size | images | reference | today's | cached | today's ÷ ref | **cached ÷ ref** | Δ today's | Δ cached |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size, rows in results.items():
        lines.append(
            f"| {size} | {counts[size]} | {rows['reference']['rate']:.1f} | {rows['today']['rate']:.1f} | "
            f"{rows['cached']['rate']:.1f} | {rows['today']['ratio']:.2f}× | **{rows['cached']['ratio']:.2f}×** | "
            f"{rows['today']['delta']:.2f} | {rows['cached']['delta']:.2f} |"
        )
    return lines + [""]


def build_table(builds: dict[str, dict]) -> list[str]:
    lines = [
        "| JPEG size | images | build (s, 1 thread) | build images/s | cache size (MiB) | per image (KiB) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for size, build in builds.items():
        lines.append(
            f"| {size} | {build['images']} | {build['seconds']:.2f} | {build['images'] / build['seconds']:.1f} | "
            f"{build['bytes'] / 2**20:.1f} | {build['bytes'] / build['images'] / 2**10:.0f} |"
        )
    return lines + [""]


def payoff(results: dict[str, dict], builds: dict[str, dict]) -> str:
    """Whether building the cache costs less than one reference epoch, per size, in words."""
    slower = [
        size
        for size, build in builds.items()
        if build["images"] / build["seconds"] < results[size]["reference"]["rate"]
    ]
    if not slower:
        return "it is faster than one epoch of the reference pipeline on every size, so it pays for itself in the first epoch."
    return (
        f"on {', '.join(slower)} it is slower than one reference epoch, so it pays for itself from the second epoch on."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--images",
        type=int,
        nargs=4,
        default=[80, 60, 40, 24],
        metavar=("N300", "N640", "N1000", "NPHOTO"),
        help="JPEGs per tree: 300×300, 640×480, 1000×1000, photo-sized",
    )
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds per pipeline (median reported)")
    parser.add_argument(
        "--epoch-images",
        type=int,
        default=OFFICE31_AMAZON,
        help="images of the Office-31-amazon-sized domain timed for one epoch (0: skip)",
    )
    parser.add_argument("--out", type=Path, help="write the Markdown report here (atomically)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    load_before = load_average()
    start = time.perf_counter()
    counts = dict(zip(TREES, args.images))
    results, builds = {}, {}
    workdir = Path(tempfile.mkdtemp(prefix="data_pipeline."))
    try:
        for seed, (size, sizes) in enumerate(TREES.items()):
            root = workdir / f"tree{seed}"
            list_file = write_tree(root, sizes, counts[size], seed=seed)
            candidates, builds[size] = pipelines(root, list_file, workdir / f"cache{seed}")
            results[size] = measure(candidates, args.rounds)
            print(f"{size}: " + ", ".join(f"{n} {r['rate']:.1f}/s" for n, r in results[size].items()), flush=True)
        epoch = epoch_times(workdir, args.epoch_images) if args.epoch_images else None
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    elapsed = time.perf_counter() - start
    command = "python benchmarks/data_pipeline.py " + " ".join(argv if argv is not None else sys.argv[1:])
    photo_sizes = ", ".join(f"{w}×{h}" for w, h in TREES["photo"])
    worst = min(results, key=lambda size: results[size]["cached"]["ratio"])
    report = [
        "# Training data pipeline: images/s per CPU core",
        "",
        f"Command: `{command.strip()}` ({elapsed:.0f} s)  ",
        f"Machine: {machine()}. 1-minute load average before / after the run: "
        f"{load_before} / {load_average()} (the cores were shared with other work).",
        "",
        "Each pipeline loads an image and applies the recipe's training augmentation (square resize 256 → "
        "RandomResizedCrop 224 → flip → normalise) to a float tensor: **reference** — full PIL decode and the "
        "torchvision steps; **today's** — reduced-size JPEG decoding (`decode_size=256`), Pillow steps; "
        "**cached** — the decoded-image cache (`data.cache=auto`): the 256 × 256 uint8 square is copied from "
        "the memory map, then crop + antialiased bilinear resize (torch's uint8 kernel, the one "
        "`torchvision.transforms.v2` resizes with) + flip on the uint8 tensor and normalisation. Rates are images/s on one core, medians over "
        f"{args.rounds} interleaved rounds in one run (a round lasts at least {MIN_ROUND_S} s: the fast "
        "pipelines pass over the images several times). Δ: mean absolute difference of the output to the "
        "reference's for the same seed (same crop boxes and flips), in 0–255 pixel units. Photo sizes cycle "
        f"through {photo_sizes}; all JPEGs quality 90.",
        "",
        "## Images/s per core",
        "",
        *summary_table(results, counts),
        f"Target: cached ≥ 3× the reference on every size. Lowest ratio: {results[worst]['cached']['ratio']:.2f}× "
        f"({worst}) — the target is {'met' if results[worst]['cached']['ratio'] >= 3 else 'missed'} on every size.",
        "",
        "## Building the cache (once per list; `dalearn-data cache` or the first run)",
        "",
        *build_table(builds),
        "Each image is stored as a 256 × 256 × 3 uint8 square (192 KiB) plus one 4 KiB-aligned header per file: "
        "the size does not depend on the JPEG's. Building costs one reduced-size decode and square resize per "
        f"image; {payoff(results, builds)}",
        "",
        "Where the time goes: the cached pipeline's cost per image hardly depends on the JPEG (copy the square "
        "out of the memory map, crop and resize it to 224 on uint8, flip, normalise to float), so its ratio to "
        "the reference is lowest where the reference's decode is cheapest — the 300×300 JPEGs; differences between "
        "its rows come from the load on the shared cores while each row ran (compare within a row: the pipelines "
        "of a row are interleaved). The resize of the "
        "crop is most of what is left; on a GPU (`data.augment_on_gpu`, the default there with a cache) the crop, "
        "flip and normalisation move to the device and the loader workers only copy uint8 squares.",
        "",
    ]
    if epoch is not None:
        report += [
            f"## One epoch over an Office-31-amazon-sized domain ({args.epoch_images} generated 300×300 JPEGs, 1 core)",
            "",
            "| pipeline | epoch wall time (s) |",
            "|---|---:|",
            f"| reference | {epoch['reference']:.1f} |",
            f"| today's default | {epoch['today']:.1f} |",
            f"| cached, first run: build ({epoch['build']:.1f} s) + epoch | {epoch['build'] + epoch['cached']:.1f} |",
            f"| cached, every later epoch and run | {epoch['cached']:.1f} |",
            "",
            f"Cache of this domain: {epoch['bytes'] / 2**20:.0f} MiB.",
            "",
        ]
    text = "\n".join(report) + "\n"
    print(text)
    if args.out:
        atomic_write_text(args.out, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
