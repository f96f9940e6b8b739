"""The drift plots (PNG) and their data (CSV), from a :class:`~dalearn.drift.report.LevelStudy`.

- ``paired_kl_lines.png``: the reference generator's line plot — per drift level, the mean
  paired KL of each batch against the batch index, with a band of ±1.96 · std of the
  per-image KL within the batch;
- ``paired_kl_box.png``: a box plot of the batch means per drift level;
- ``domain_gap.png``: each DomainGap distance (FID, KL of diagonal Gaussians, linear MMD,
  Wasserstein) between the clean reference set and the drifted set against the drift level
  (log scale for a curve spanning more than three decades);
- ``paired_kl.csv`` / ``domain_gap.csv``: the rows behind them.

Every file is written under a temporary name and renamed, so none is ever half-written.
"""

from __future__ import annotations

from dalearn._extras import require

require("drift", "matplotlib", by="dalearn.drift.plots")  # the extra's pip line if missing

import csv
import io
from pathlib import Path
from typing import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from dalearn.drift.report import GAP_METRICS, LevelStudy
from dalearn.io import atomic_write_bytes, atomic_write_text

GAP_LABELS = {
    "fid": "FID",
    "klmvn_diag": "KL (diagonal Gaussians)",
    "mmd_linear": "linear MMD²",
    "wasserstein_1d": "Wasserstein-1 (mean over dims)",
}


def write_csv(rows: Sequence[dict], path: str | Path) -> Path:
    """Write dict rows (same keys) as CSV, atomically."""
    if not rows:
        raise ValueError(f"no rows to write to {path}")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = Path(path)
    atomic_write_text(path, buffer.getvalue())
    return path


def _save(figure: plt.Figure, path: Path) -> Path:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120, bbox_inches="tight")
    plt.close(figure)
    atomic_write_bytes(path, buffer.getvalue())
    return path


def _colours(count: int) -> list:
    cmap = plt.get_cmap("viridis")
    return [cmap(i / max(count - 1, 1)) for i in range(count)]


def plot_paired_kl_lines(study: LevelStudy, path: str | Path) -> Path:
    """Mean paired KL per batch, one line (and ±1.96·std band) per drift level."""
    figure, axis = plt.subplots(figsize=(8, 4.5))
    for level, colour in zip(study.levels, _colours(len(study.levels))):
        rows = [r for r in study.kl_rows if r["level"] == level]
        x = [r["batch"] for r in rows]
        mean = [r["kl_mean"] for r in rows]
        low = [max(r["kl_mean"] - 1.96 * r["kl_std"], 0.0) for r in rows]
        high = [r["kl_mean"] + 1.96 * r["kl_std"] for r in rows]
        axis.plot(x, mean, color=colour, label=f"{level:g}")
        axis.fill_between(x, low, high, color=colour, alpha=0.15, linewidth=0)
    axis.set_xlabel("batch")
    axis.xaxis.get_major_locator().set_params(integer=True)
    axis.set_ylabel("KL(softmax(drifted) ‖ softmax(clean))")
    axis.set_title(f"Paired embedding KL per batch — {study.transform}")
    axis.legend(title="drift level", fontsize="small", ncol=2, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _save(figure, Path(path))


def plot_paired_kl_box(study: LevelStudy, path: str | Path) -> Path:
    """Distribution of the batch means of the paired KL, one box per drift level."""
    figure, axis = plt.subplots(figsize=(8, 4.5))
    data = [[r["kl_mean"] for r in study.kl_rows if r["level"] == level] for level in study.levels]
    axis.boxplot(data)
    axis.set_xticks(range(1, len(study.levels) + 1), [f"{level:g}" for level in study.levels])
    axis.set_xlabel("drift level")
    axis.set_ylabel("batch mean of the paired KL")
    axis.set_title(f"Paired embedding KL per drift level — {study.transform}")
    return _save(figure, Path(path))


def plot_domain_gap(study: LevelStudy, path: str | Path) -> Path:
    """Each DomainGap distance between the clean reference and the drifted set vs the level."""
    metrics = [m for m in GAP_METRICS if any(row["metric"] == m for row in study.gap_rows)]
    figure, axes = plt.subplots(1, len(metrics), figsize=(4 * len(metrics), 3.8), squeeze=False, layout="constrained")
    for axis, metric in zip(axes[0], metrics):
        curve = study.gap_curve(metric)
        axis.plot(study.levels, curve, marker="o")
        positive = [v for v in curve if v > 0]
        if len(positive) == len(curve) and max(positive) > 1e3 * min(positive):
            axis.set_yscale("log")
        axis.set_title(GAP_LABELS[metric])
        axis.set_xlabel("drift level")
    figure.suptitle(f"Domain gap, clean reference vs drifted — {study.transform}")
    return _save(figure, Path(path))


def read_report(folder: str | Path, transform: str) -> LevelStudy:
    """Rebuild a study from the CSVs :func:`write_report` wrote (to re-plot without recomputing)."""
    folder = Path(folder)
    tables = {}
    for name in ("paired_kl.csv", "domain_gap.csv"):
        if not (folder / name).is_file():
            raise FileNotFoundError(f"{folder / name} is missing: not a drift report folder")
        with open(folder / name, encoding="utf-8", newline="") as handle:
            tables[name] = list(csv.DictReader(handle))
    kl_rows = [
        {
            "level": float(r["level"]),
            "batch": int(r["batch"]),
            "kl_mean": float(r["kl_mean"]),
            "kl_std": float(r["kl_std"]),
            "n": int(r["n"]),
        }
        for r in tables["paired_kl.csv"]
    ]
    gap_rows = [
        {"level": float(r["level"]), "metric": r["metric"], "value": float(r["value"])}
        for r in tables["domain_gap.csv"]
    ]
    levels = sorted({row["level"] for row in kl_rows})
    return LevelStudy(transform, levels, kl_rows, gap_rows)


def write_report(study: LevelStudy, folder: str | Path) -> list[Path]:
    """All plots and CSVs of a study into ``folder`` (created if needed)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [
        write_csv(study.kl_rows, folder / "paired_kl.csv"),
        write_csv(study.gap_rows, folder / "domain_gap.csv"),
        plot_paired_kl_lines(study, folder / "paired_kl_lines.png"),
        plot_paired_kl_box(study, folder / "paired_kl_box.png"),
        plot_domain_gap(study, folder / "domain_gap.png"),
    ]
