"""A table as a bar chart (PNG): one panel per task, one bar per method — the mean over the
finished seeds, with the sample std as an error bar. Bars of cells missing some seeds are
hatched and pale, so a partial mean is not read as a final one; cells with no number say "none".

Uses matplotlib's Agg canvas directly (no global backend switch, no display needed).
"""

from __future__ import annotations

import math
from pathlib import Path

from dalearn._extras import require
from dalearn.io import atomic_path
from dalearn.tables.build import Table


def plot_table(table: Table, path: Path) -> None:
    """Write the chart of ``table`` to ``path`` (atomically)."""
    require("analysis", "matplotlib", by="the charts (plot_table)")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    panels = len(table.columns)
    ncols = min(panels, 3)
    nrows = math.ceil(panels / ncols)
    width = max(3.2, 0.55 * len(table.rows) + 1.0)
    figure = Figure(figsize=(width * ncols, 3.4 * nrows + 0.6), layout="constrained")
    FigureCanvasAgg(figure)
    colours = [f"C{i % 10}" for i in range(len(table.rows))]
    for index, column in enumerate(table.columns):
        axes = figure.add_subplot(nrows, ncols, index + 1)
        for position, (row, colour) in enumerate(zip(table.rows, colours)):
            cell = row.cells[index]
            stats = cell.stats()
            if stats is None:
                axes.text(position, 0, "none", ha="center", va="bottom", fontsize=7, rotation=90, color="grey")
                continue
            mean, std = stats
            axes.bar(
                position,
                mean,
                yerr=std or 0.0,
                capsize=3,
                color=colour,
                alpha=1.0 if cell.complete else 0.45,
                hatch=None if cell.complete else "//",
                edgecolor="black",
            )
        axes.set_title(column.label, fontsize=10)
        axes.set_xlim(-0.6, len(table.rows) - 0.4)
        axes.set_xticks(range(len(table.rows)))
        axes.set_xticklabels([row.label for row in table.rows], rotation=45, ha="right", fontsize=8)
        axes.set_ylabel("%")
        axes.grid(axis="y", alpha=0.3)
    figure.suptitle(f"{table.title}\n(mean ± std over seeds; hatched: not every seed finished)", fontsize=10)
    with atomic_path(path) as partial:
        figure.savefig(partial, format="png", dpi=120)
