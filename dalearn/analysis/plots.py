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


def per_class_figure(classes: Sequence[str], accuracy: np.ndarray, title: str):
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(max(6, 0.35 * len(classes) + 2), 4))
    axis.bar(np.arange(len(classes)), np.nan_to_num(100 * accuracy), color="tab:green")
    axis.set_xticks(np.arange(len(classes)), classes, rotation=90 if len(classes) > 10 else 0, fontsize=8)
    axis.set_ylim(0, 100)
    axis.set_ylabel("accuracy (%)")
    axis.set_title(title)
    figure.tight_layout()
    return figure


def confusion_figure(classes: Sequence[str], matrix: np.ndarray):
    plt = _pyplot()
    support = matrix.sum(axis=1, keepdims=True)
    rates = np.divide(matrix, support, out=np.zeros(matrix.shape, dtype=float), where=support > 0)
    side = max(5, 0.3 * len(classes) + 3)
    figure, axis = plt.subplots(figsize=(side, side))
    image = axis.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    ticks = np.arange(len(classes))
    axis.set_xticks(ticks, classes, rotation=90, fontsize=7)
    axis.set_yticks(ticks, classes, fontsize=7)
    axis.set_xlabel("predicted class")
    axis.set_ylabel("true class")
    axis.set_title("target confusion matrix (row-normalised)")
    if len(classes) <= 15:
        for i in range(len(classes)):
            for j in range(len(classes)):
                if matrix[i, j]:
                    axis.text(
                        j,
                        i,
                        str(matrix[i, j]),
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="white" if rates[i, j] > 0.5 else "black",
                    )
    figure.colorbar(image, ax=axis, fraction=0.046)
    figure.tight_layout()
    return figure


def reliability_figure(bins: dict, ece: float):
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(5, 5))
    width = bins["upper"] - bins["lower"]
    filled = bins["count"] > 0
    axis.bar(
        bins["lower"][filled],
        bins["accuracy"][filled],
        width=width[filled],
        align="edge",
        edgecolor="black",
        color="tab:blue",
        alpha=0.8,
        label="accuracy",
    )
    axis.bar(
        bins["lower"][filled],
        bins["confidence"][filled] - bins["accuracy"][filled],
        bottom=bins["accuracy"][filled],
        width=width[filled],
        align="edge",
        color="tab:red",
        alpha=0.3,
        label="gap",
    )
    axis.plot([0, 1], [0, 1], "k--", lw=1)
    axis.set_xlim(0, 1)
    axis.set_ylim(0, 1)
    axis.set_xlabel("confidence")
    axis.set_ylabel("accuracy")
    axis.set_title(f"target reliability diagram, ECE = {100 * ece:.2f}%")
    axis.legend(loc="upper left")
    figure.tight_layout()
    return figure


def history_figure(epochs: Sequence[int], columns: dict[str, list[float]], selected: Optional[int]):
    plt = _pyplot()
    accuracies = {k: v for k, v in columns.items() if "acc" in k.split("/")[-1]}
    scores = {k: v for k, v in columns.items() if k not in accuracies}
    panels = [("accuracy per epoch", accuracies)] + ([("scores per epoch", scores)] if scores else [])
    figure, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 4), squeeze=False)
    for axis, (title, values) in zip(axes[0], panels):
        for key, series in values.items():
            axis.plot(epochs, series, marker="o", ms=3, label=key)
        if selected is not None:
            axis.axvline(selected, color="grey", ls=":", label=f"selected epoch {selected}")
        axis.set_xlabel("epoch")
        axis.set_title(title)
        axis.legend(fontsize=7)
    figure.tight_layout()
    return figure
