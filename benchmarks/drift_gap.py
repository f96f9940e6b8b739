"""How the domain gap grows with the drift level, for dalearn's DEFAULT drift and for the
reference generator's DEFAULT (blur up to 0.5, then noise: a jump at 0.5).

Real images: Fashion-MNIST test images (or scikit-learn's digits), ``--num-images`` drifted
at every level and as many *other* clean images as the reference set. Embeddings: the
Embedder's ``auto`` backbone (ImageNet ResNet-18 if its weights are cached, else the offline
ImageNet EfficientNet-Lite0), ImageNet normalisation, 28 px images resized to
``--image-size``. Per study, the files of :func:`dalearn.drift.plots.write_report` (paired KL
per batch: lines with ±1.96·std bands and box plots; DomainGap FID / KL / MMD / Wasserstein
against the level) go to ``<out>/<study>/``, and ``<out>/README.md`` summarises: the Spearman
ρ of each distance against the level, the largest jump between consecutive levels relative
to the whole range, and the run time.

    python benchmarks/drift_gap.py --out benchmarks/results/drift
    python benchmarks/drift_gap.py --out benchmarks/results/drift --replot   # PNGs from the CSVs
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import torch
from scipy.stats import spearmanr

from dalearn.drift.embeddings import Embedder
from dalearn.drift.plots import read_report, write_report
from dalearn.drift.report import GAP_METRICS, LevelStudy, drift_level_study, reference_default
from dalearn.drift.transforms import ImageTransform

STUDIES = {"default": ImageTransform.DEFAULT, "reference_default": reference_default}
TITLES = {"default": "DEFAULT", "reference_default": "reference_default"}
TABLE_HEADER = "| study | distance | ρ | largest step | falls | values at levels 0 … 1 |"


def load_images(dataset: str, count: int) -> torch.Tensor:
    """``2 · count`` clean one-channel test images of an offline dataset."""
    from dalearn.data import offline

    data = offline.fashion_mnist(split="test") if dataset == "fashion_mnist" else offline.digits(split="test")
    if len(data) < 2 * count:
        raise ValueError(f"{dataset} test split has {len(data)} images; --num-images must be at most {len(data) // 2}")
    return data.images[: 2 * count, :1]


def largest_jump(curve: list[float]) -> float:
    """max |Δ between consecutive levels| / (max − min): 0.1 for a straight line over 11 levels."""
    span = max(curve) - min(curve)
    return max(abs(b - a) for a, b in zip(curve, curve[1:])) / span if span > 0 else 0.0


def falls(levels: list[float], curve: list[float]) -> str:
    """Every step down by more than 1% of the curve's range, as ``a→b (−x%)``."""
    span = max(curve) - min(curve)
    found = [
        f"{a:g}→{b:g} ({(y - x) / x:+.0%})"
        for a, b, x, y in zip(levels, levels[1:], curve, curve[1:])
        if span > 0 and x - y > 0.01 * span
    ]
    return ", ".join(found) or "none"


def summary_rows(name: str, study: LevelStudy) -> list[str]:
    curves = {metric: study.gap_curve(metric) for metric in GAP_METRICS}
    curves["paired KL (mean)"] = study.mean_kl_curve()
    rows = []
    for metric, curve in curves.items():
        rho = spearmanr(study.levels, curve)[0]
        values = " ".join(f"{v:.4g}" for v in curve)
        rows.append(
            f"| {name} | {metric} | {rho:.3f} | {largest_jump(curve):.2f} | {falls(study.levels, curve)} | {values} |"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", choices=("fashion_mnist", "digits"), default="fashion_mnist")
    parser.add_argument("--num-images", type=int, default=500)
    parser.add_argument("--image-size", type=int, default=112)
    parser.add_argument("--backbone", default="auto")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/drift"))
    parser.add_argument("--replot", action="store_true", help="redraw the PNGs from the CSVs in --out")
    args = parser.parse_args()
    if args.replot:
        for name in STUDIES:
            write_report(read_report(args.out / name, TITLES[name]), args.out / name)
        return

    images = load_images(args.dataset, args.num_images)
    study_images, reference = images[: args.num_images], images[args.num_images :]
    embedder = Embedder(args.backbone, image_size=args.image_size, batch_size=100)
    levels = [round(0.1 * k, 1) for k in range(11)]
    table, timings = [], []
    for name, transform in STUDIES.items():
        start = time.perf_counter()
        study = drift_level_study(study_images, reference, embedder, levels, transform=transform, seed=args.seed)
        timings.append(f"{name}: {time.perf_counter() - start:.0f} s")
        write_report(study, args.out / name)
        table += summary_rows(name, study)
    lines = [
        "# Domain gap against the drift level",
        "",
        f"Command: `python benchmarks/drift_gap.py --dataset {args.dataset} --num-images {args.num_images} "
        f"--image-size {args.image_size} --backbone {args.backbone} --seed {args.seed} --out {args.out}`",
        "",
        f"- data: {args.dataset} test images, {args.num_images} drifted at every level, {args.num_images} others "
        "as the clean reference set (level 0 is the sampling floor)",
        f"- embedding: {embedder.name} ({embedder.out_features}-d), {args.image_size} px, "
        f"mean {tuple(round(v, 3) for v in embedder.mean.flatten().tolist())}, "
        f"std {tuple(round(v, 3) for v in embedder.std.flatten().tolist())}",
        f"- levels: {', '.join(f'{v:g}' for v in levels)}; same drift seed at every level",
        f"- machine: {platform.processor() or platform.machine()}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads; time per study: {', '.join(timings)}",
        "",
        "`default` is dalearn's DEFAULT (blur σ = 3·min(L, 0.5), then noise σ = 0.5·max(0, L − 0.4));",
        "`reference_default` is the reference generator's (blur at L up to 0.5, noise at L − 0.4 above).",
        "ρ: Spearman correlation with the level over all 11 levels. Largest step: the largest change",
        "between consecutive levels as a share of the curve's range (0.1 for a straight line; a jump",
        "or a fall shows up as a large value). Falls: steps down by more than 1% of the range.",
        "",
        TABLE_HEADER,
        "|---|---|---|---|---|---|",
        *table,
        "",
    ]
    (args.out / "README.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
