"""Result tables of a sweep, built from its run directories' files only.

``read_runs`` finds and reads the runs, ``read_grids`` what the sweep was asked to run,
``build_tables`` makes one :class:`Table` per (dataset group × selection rule), and
``FORMATS`` / ``plot_table`` write them. ``dalearn-collect`` (:mod:`dalearn.cli.collect`) is the
command line over these.

``dalearn-select`` (:mod:`dalearn.cli.select`) ranks a sweep's checkpoints across runs:
:mod:`~dalearn.tables.checkpoints` reads them, :mod:`dalearn.selection.sweep_ranking` picks per
task (and seed) with the rule objects of :mod:`dalearn.selection`,
:mod:`~dalearn.tables.sweep_selection` ties them together (EnsV from the runs' stored
predictions) and :mod:`~dalearn.tables.select_report` / :mod:`~dalearn.tables.select_plot`
write the results.
"""

from dalearn._extras import require

require("train", "omegaconf", "hydra", by="dalearn.tables")  # the extra's pip line if missing

from dalearn.tables.build import Table, build_tables
from dalearn.tables.errors import CollectError
from dalearn.tables.formats import FORMATS, to_csv, to_latex, to_markdown
from dalearn.tables.grid import read_grids
from dalearn.tables.plot import plot_table
from dalearn.tables.runs import read_runs

__all__ = [
    "FORMATS",
    "CollectError",
    "Table",
    "build_tables",
    "plot_table",
    "read_grids",
    "read_runs",
    "to_csv",
    "to_latex",
    "to_markdown",
]
