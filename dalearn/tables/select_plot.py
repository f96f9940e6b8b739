"""Score vs target accuracy, one panel per task: every checkpoint of the sweep as a dot
(coloured by method), the pick circled in black and the oracle best marked with a star — how
well a validator's ranking follows the accuracy can be read at a glance.

Uses matplotlib's Agg canvas directly (no global backend switch, no display needed) and fixed
margins: the automatic layout engines measure every tick label and would double the time.
"""

from __future__ import annotations

import math
from pathlib import Path

from dalearn._extras import require
from dalearn.io import atomic_path
from dalearn.selection.candidates import Checkpoint
from dalearn.selection.sweep_ranking import TaskChoice

#: how the rule's pick and the labelled best checkpoint stand out from the pool's points
PICK_STYLE = {"s": 90, "facecolors": "none", "edgecolors": "black", "linewidths": 1.5, "label": "pick"}
ORACLE_STYLE = {
    "s": 120,
    "marker": "*",
    "color": "gold",
    "edgecolors": "black",
    "linewidths": 0.6,
    "label": "oracle best",
}


def plot_choices(choices: list[TaskChoice], by_task: dict[tuple, list[Checkpoint]], path: Path) -> bool:
    """Write the scatter plot of ``choices`` to ``path`` (PNG, atomically); False (and no
    file) when no task has target labels to plot against."""
    require("analysis", "matplotlib", by="the charts (plot_choices)")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labelled = [c for c in choices if c.oracle is not None]
    if not labelled:
        return False
    ncols = min(len(labelled), 3)
    nrows = math.ceil(len(labelled) / ncols)
    figure = Figure(figsize=(4.2 * ncols, 3.6 * nrows + 0.4))
    FigureCanvasAgg(figure)
    methods = sorted({c.run.method for choice in labelled for c in by_task[(choice.task, choice.seed)]})
    colours = {method: f"C{i % 10}" for i, method in enumerate(methods)}
    for index, choice in enumerate(labelled):
        axes = figure.add_subplot(nrows, ncols, index + 1)
        checkpoints = [c for c in by_task[(choice.task, choice.seed)] if choice.rule in c.scores]
        for method in methods:
            mine = [c for c in checkpoints if c.run.method == method and math.isfinite(c.scores[choice.rule])]
            if mine:
                axes.scatter(
                    [c.scores[choice.rule] for c in mine],
                    [100 * c.accuracy for c in mine],
                    s=9,
                    alpha=0.6,
                    color=colours[method],
                    label=method,
                )
        for point, style in ((choice.pick, PICK_STYLE), (choice.oracle, ORACLE_STYLE)):
            score = point.scores.get(choice.rule, math.nan)
            if math.isfinite(score):
                axes.scatter([score], [100 * point.accuracy], **style)
        correlation = (
            "–" if choice.correlation is None or math.isnan(choice.correlation) else (f"{choice.correlation:.2f}")
        )
        title = choice.label if choice.seed is None else f"{choice.label}, seed {choice.seed}"
        axes.set_title(f"{title}\nregret {choice.regret:.1f} pts, weighted ρ {correlation}", fontsize=9)
        axes.set_xlabel(f"score: {choice.rule}", fontsize=8)
        axes.set_ylabel("target accuracy (%)", fontsize=8)
        axes.tick_params(labelsize=7)
        if index == 0:
            axes.legend(fontsize=6, loc="best")
    figure.subplots_adjust(left=0.08, right=0.98, bottom=0.12, top=0.86, wspace=0.3, hspace=0.55)
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png", dpi=100)
    return True
