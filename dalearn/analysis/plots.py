"""The analysis figures (matplotlib, no display needed), each saved atomically as a PNG."""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from dalearn.io import atomic_path


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(figure, path: Path) -> None:
    with atomic_path(path) as partial:
        figure.savefig(partial, format="png", dpi=110, bbox_inches="tight")
    _pyplot().close(figure)


def tsne_figure(panels: Sequence[dict], classes: Sequence[str]):
    """One row per run: points coloured by domain (left) and by class (right; source dots,
    target crosses). Each panel: ``{"title", "source", "target", "source_labels", "target_labels"}``."""
    plt = _pyplot()
    figure, axes = plt.subplots(len(panels), 2, figsize=(11, 5 * len(panels)), squeeze=False)
    cmap = plt.get_cmap("tab20" if len(classes) > 10 else "tab10")
    for row, panel in zip(axes, panels):
        s, t = panel["source"], panel["target"]
        row[0].scatter(s[:, 0], s[:, 1], s=4, alpha=0.5, c="tab:blue", label=f"source ({len(s)})")
        row[0].scatter(t[:, 0], t[:, 1], s=4, alpha=0.5, c="tab:red", label=f"target ({len(t)})")
        row[0].set_title(f"{panel['title']}: by domain")
        row[0].legend(markerscale=3, loc="best")
        colours_s = cmap(panel["source_labels"] % cmap.N)
        colours_t = cmap(panel["target_labels"] % cmap.N)
        row[1].scatter(s[:, 0], s[:, 1], s=4, alpha=0.5, c=colours_s, marker="o")
        row[1].scatter(t[:, 0], t[:, 1], s=8, alpha=0.5, c=colours_t, marker="x", linewidths=0.6)
        row[1].set_title(f"{panel['title']}: by class (source ●, target ×)")
        if len(classes) <= 20:
            handles = [
                plt.Line2D([], [], ls="", marker="o", color=cmap(i % cmap.N), label=name)
                for i, name in enumerate(classes)
            ]
            row[1].legend(handles=handles, fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
        for axis in row:
            axis.set_xticks([])
            axis.set_yticks([])
    figure.tight_layout()
    return figure


def per_class_figure(classes: Sequence[str], series: dict[str, np.ndarray], title: str):
    """Accuracy per class, one bar per model (``series``: label → per-class accuracy in [0, 1])."""
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(max(6, 0.35 * len(classes) * len(series) + 2), 4))
    width = 0.8 / len(series)
    positions = np.arange(len(classes))
    for k, (label, accuracy) in enumerate(series.items()):
        axis.bar(positions + (k - (len(series) - 1) / 2) * width, np.nan_to_num(100 * accuracy), width, label=label)
    axis.set_xticks(positions, classes, rotation=90 if len(classes) > 10 else 0, fontsize=8)
    axis.set_ylim(0, 100)
    axis.set_ylabel("accuracy (%)")
    axis.set_title(title)
    if len(series) > 1:
        axis.legend(fontsize=8)
    figure.tight_layout()
    return figure


def confusion_figure(classes: Sequence[str], matrices: dict[str, np.ndarray]):
    """Row-normalised confusion matrices side by side (``matrices``: label → (C, C) counts)."""
    plt = _pyplot()
    side = max(5, 0.3 * len(classes) + 3)
    figure, axes = plt.subplots(1, len(matrices), figsize=(side * len(matrices), side), squeeze=False)
    ticks = np.arange(len(classes))
    for axis, (label, matrix) in zip(axes[0], matrices.items()):
        support = matrix.sum(axis=1, keepdims=True)
        rates = np.divide(matrix, support, out=np.zeros(matrix.shape, dtype=float), where=support > 0)
        image = axis.imshow(rates, cmap="Blues", vmin=0, vmax=1)
        axis.set_xticks(ticks, classes, rotation=90, fontsize=7)
        axis.set_yticks(ticks, classes, fontsize=7)
        axis.set_xlabel("predicted class")
        axis.set_ylabel("true class")
        axis.set_title(f"{label}: target confusion (row-normalised)")
        if len(classes) <= 15:
            for i in range(len(classes)):
                for j in range(len(classes)):
                    if matrix[i, j]:
                        colour = "white" if rates[i, j] > 0.5 else "black"
                        axis.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=7, color=colour)
        figure.colorbar(image, ax=axis, fraction=0.046)
    figure.tight_layout()
    return figure


def reliability_figure(panels: dict[str, tuple[dict, float]]):
    """Reliability diagrams side by side (``panels``: label → (bins, ECE)). Each bin's accuracy
    is a bar; the gap to its mean confidence is drawn on top in red where the model is
    over-confident (confidence > accuracy) and in green where it is under-confident, so
    neither hides behind the bar; the number of predictions in each bin is written above it."""
    plt = _pyplot()
    figure, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 5.5), squeeze=False)
    for axis, (label, (bins, ece)) in zip(axes[0], panels.items()):
        width = bins["upper"] - bins["lower"]
        filled = bins["count"] > 0
        lower, acc, conf = bins["lower"][filled], bins["accuracy"][filled], bins["confidence"][filled]
        axis.bar(
            lower,
            acc,
            width=width[filled],
            align="edge",
            edgecolor="black",
            color="tab:blue",
            alpha=0.7,
            label="accuracy",
        )
        over = conf > acc
        for mask, colour, name in ((over, "tab:red", "over-confident"), (~over, "tab:green", "under-confident")):
            if mask.any():
                axis.bar(
                    lower[mask],
                    np.abs(conf - acc)[mask],
                    bottom=np.minimum(conf, acc)[mask],
                    width=width[filled][mask],
                    align="edge",
                    color=colour,
                    alpha=0.45,
                    hatch="//",
                    edgecolor=colour,
                    zorder=3,
                    label=f"gap: {name}",
                )
        for x, w, top, n in zip(lower, width[filled], np.maximum(acc, conf), bins["count"][filled]):
            axis.text(x + w / 2, min(top + 0.02, 1.07), str(int(n)), ha="center", va="bottom", fontsize=6, rotation=90)
        axis.plot([0, 1], [0, 1], "k--", lw=1)
        axis.set_xlim(0, 1)
        axis.set_ylim(0, 1.15)
        axis.set_xlabel("confidence (numbers: predictions per bin)")
        axis.set_ylabel("accuracy")
        axis.set_title(f"{label}: ECE = {100 * ece:.2f}%")
        axis.legend(loc="upper left", fontsize=7)
    figure.tight_layout()
    return figure


def distinct_series(columns: dict[str, list[float]]) -> dict[str, list[float]]:
    """``columns`` without a series that repeats an earlier one (``val/score/src_acc`` is
    ``val/src_acc`` under another name): the first name is kept."""
    kept: dict[str, list[float]] = {}
    for key, series in columns.items():
        values = np.asarray(series, dtype=float)
        if not any(
            np.allclose(values, np.asarray(other, dtype=float), rtol=1e-6, atol=1e-7, equal_nan=True)
            for other in kept.values()
        ):
            kept[key] = series
    return kept


def history_figure(epochs: Sequence[int], columns: dict[str, list[float]], selected: Optional[int]):
    """The accuracies per epoch in one panel, each label-free score in its own (their scales
    differ); integer epoch ticks; a series repeating another is drawn once."""
    from matplotlib.ticker import MaxNLocator

    plt = _pyplot()
    columns = distinct_series(dict(sorted(columns.items(), key=lambda item: "/score/" in item[0])))
    accuracies = {k: v for k, v in columns.items() if "acc" in k.split("/")[-1] and "/score/" not in k}
    scores = {k: v for k, v in columns.items() if k not in accuracies}
    panels = [("accuracy per epoch", accuracies)]
    panels += [(f"{key} (higher = predicted better)", {key: values}) for key, values in scores.items()]
    ncols = min(len(panels), 3)
    nrows = -(-len(panels) // ncols)
    figure, axes = plt.subplots(nrows, ncols, figsize=(5 * ncols, 3.4 * nrows), squeeze=False)
    for axis in axes.flat[len(panels) :]:
        axis.set_visible(False)
    for axis, (title, values) in zip(axes.flat, panels):
        for key, series in values.items():
            axis.plot(epochs, series, marker="o", ms=3, label=key)
        if selected is not None:
            axis.axvline(selected, color="grey", ls=":", label=f"selected epoch {selected}")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.set_xlabel("epoch")
        axis.set_title(title, fontsize=9)
        axis.legend(fontsize=7)
    figure.tight_layout()
    return figure
