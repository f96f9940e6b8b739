"""Training-pipeline throughput per CPU core: the reference pipeline against dalearn's.

Reference (the published recipes' loader): full PIL decode → square resize 256 → RandomResizedCrop
224 → flip → ToTensor → Normalize. dalearn: the same steps with reduced-size JPEG decoding
(``ImageList(decode_size=256)``: libjpeg DCT scaling to the smallest scale that still covers
256 × 256), plus the optional single-resample crop (``single_resample=True``).

All pipelines run in this one process on one thread, interleaved round by round over the same
images in the same order, so background load hits them alike; the reported rate is the median
over rounds. The "Δ vs reference" column checks the augmentation: for the same seed every
pipeline draws the same crop boxes and flips, and the column gives the mean absolute pixel
difference to the reference output (0–255 scale) — what reduced-size decoding changes.

    python benchmarks/data_pipeline.py --out benchmarks/results/data_pipeline.md
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
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

from dalearn.data.image_list import ImageList
from dalearn.data.transforms import IMAGENET_STD, reference_train_transform, train_transform

PHOTO_SIZES = ((1600, 1200), (2048, 1536), (3000, 2000), (4032, 3024))
SMALL_SIZES = ((300, 300),)


def write_tree(root: Path, sizes: tuple[tuple[int, int], ...], count: int, seed: int = 0) -> Path:
    """``count`` JPEGs (quality 90) cycling through ``sizes``, made from scikit-learn's two
    bundled photos with mild noise (so they compress like photos, not flat colour), and a list."""
    rng = np.random.default_rng(seed)
    photos = [Image.fromarray(load_sample_image(name)) for name in ("china.jpg", "flower.jpg")]
    (root / "images").mkdir(parents=True, exist_ok=True)
    lines = []
    for index in range(count):
        width, height = sizes[index % len(sizes)]
        base = np.asarray(photos[index % 2].resize((width, height), Image.Resampling.BICUBIC), dtype=np.int16)
        noisy = np.clip(base + rng.integers(-4, 5, size=base.shape), 0, 255).astype(np.uint8)
        name = f"images/{index:04d}_{width}x{height}.jpg"
        Image.fromarray(noisy).save(root / name, quality=90)
        lines.append(f"{name} {index % 2}")
    list_file = root / "list.txt"
    list_file.write_text("\n".join(lines) + "\n")
    return list_file


def pipelines(root: Path, list_file: Path) -> dict[str, tuple[ImageList, Callable]]:
    classes = ["china", "flower"]
    return {
        "reference (full decode, torchvision steps)": (
            ImageList(root, list_file, classes), reference_train_transform(),
        ),
        "dalearn default (decode_size=256)": (ImageList(root, list_file, classes, decode_size=256), train_transform()),
        "dalearn decode_size=256 + single_resample": (
            ImageList(root, list_file, classes, decode_size=256), train_transform(single_resample=True),
        ),
    }


def run_once(dataset: ImageList, transform: Callable, order: list[int], seed: int) -> float:
    """Seconds to load and augment every image of ``order`` once."""
    torch.manual_seed(seed)
    start = time.perf_counter()
    for index in order:
        image, _ = dataset[index]
        transform(image)
    return time.perf_counter() - start


def pixel_difference(dataset: ImageList, transform: Callable, reference: tuple[ImageList, Callable], n: int) -> float:
    """Mean |output − reference output| over ``n`` images with equal seeds, in 0–255 units."""
    total = 0.0
    for index in range(n):
        torch.manual_seed(index)
        ours = transform(dataset[index][0])
        torch.manual_seed(index)
        theirs = reference[1](reference[0][index][0])
        scale = torch.tensor(IMAGENET_STD).view(3, 1, 1) * 255.0
        total += float(((ours - theirs).abs() * scale).mean())
    return total / n


def measure(root: Path, list_file: Path, rounds: int) -> list[tuple[str, float, float, float]]:
    """(name, median images/s, ratio to the reference, mean pixel Δ) per pipeline."""
    candidates = pipelines(root, list_file)
    names = list(candidates)
    n = len(candidates[names[0]][0])
    order = list(np.random.default_rng(1).permutation(n))
    for dataset, transform in candidates.values():
        run_once(dataset, transform, order[:4], seed=0)
    times: dict[str, list[float]] = {name: [] for name in names}
    for round_index in range(rounds):
        for name in names[round_index % len(names):] + names[: round_index % len(names)]:
            times[name].append(run_once(*candidates[name], order, seed=round_index))
    rates = {name: n / statistics.median(values) for name, values in times.items()}
    reference = candidates[names[0]]
    return [
        (name, rates[name], rates[name] / rates[names[0]], pixel_difference(*candidates[name], reference, min(n, 8)))
        for name in names
    ]


def machine() -> str:
    model = "unknown CPU"
    if os.path.exists("/proc/cpuinfo"):
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    if os.path.exists("/proc/meminfo"):
        kib = int(open("/proc/meminfo").readline().split()[1])
        memory = f", {kib / 2**20:.0f} GiB RAM"
    turbo = "libjpeg-turbo" if features.check_feature("libjpeg_turbo") else "libjpeg"
    return (
        f"{model}, {os.cpu_count()} cores{memory}, no GPU used; Python {platform.python_version()}, "
        f"torch {torch.__version__}, Pillow {PIL.__version__} ({turbo}); 1 torch thread, 1 process"
    )


def load_average() -> str:
    """The 1-minute load average (other processes share the cores; interleaving keeps the
    ratios fair, but absolute rates drop under load)."""
    return open("/proc/loadavg").read().split()[0] if os.path.exists("/proc/loadavg") else "n/a"


def table(title: str, rows: list[tuple[str, float, float, float]]) -> list[str]:
    lines = [f"### {title}", "", "| pipeline | images/s per core | vs reference | Δ vs reference (0–255) |",
             "|---|---:|---:|---:|"]
    lines += [f"| {name} | {rate:.1f} | {ratio:.2f}× | {delta:.2f} |" for name, rate, ratio, delta in rows]
    return lines + [""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=40, help="photo-sized JPEGs in the generated tree")
    parser.add_argument("--small-images", type=int, default=80, help="300×300 JPEGs (Office-31 amazon size)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds per pipeline (median reported)")
    parser.add_argument("--out", type=Path, help="write the Markdown report here (atomically)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    load_before = load_average()
    with tempfile.TemporaryDirectory() as workdir:
        photo_root, small_root = Path(workdir) / "photos", Path(workdir) / "small"
        photos = measure(photo_root, write_tree(photo_root, PHOTO_SIZES, args.images), args.rounds)
        small = measure(small_root, write_tree(small_root, SMALL_SIZES, args.small_images, seed=1), args.rounds)
    sizes = ", ".join(f"{w}×{h}" for w, h in PHOTO_SIZES)
    command = "python benchmarks/data_pipeline.py " + " ".join(argv if argv is not None else sys.argv[1:])
    report = [
        "# Training data pipeline: images/s per CPU core",
        "",
        f"Command: `{command.strip()}`  ",
        f"Machine: {machine()}. 1-minute load average before / after the run: "
        f"{load_before} / {load_average()} (the cores were shared with other work).",
        "",
        "Each pipeline decodes a JPEG and applies the recipe's training augmentation (square resize 256 → "
        "RandomResizedCrop 224 → flip → normalise) to a float tensor; rates are medians over "
        f"{args.rounds} interleaved rounds in one run. Δ: mean absolute difference of the output to the "
        "reference's for the same seed (same crop boxes and flips), in 0–255 pixel units.",
        "",
        *table(f"Photo-sized JPEGs ({args.images} images, {sizes}, quality 90)", photos),
        *table(f"Small JPEGs ({args.small_images} images, 300×300 — Office-31 amazon size)", small),
        "Reduced-size decoding only helps where a JPEG is at least twice the decode size on both sides; "
        "on 300×300 images the gain comes from the single-resample crop alone.",
    ]
    text = "\n".join(report) + "\n"
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        partial = args.out.with_name(args.out.name + ".tmp")
        partial.write_text(text)
        os.replace(partial, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
