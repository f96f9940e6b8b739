"""The metrics' input checks: the row checks shared with the losses (defined once, in
:mod:`dalearn.losses._checks`, re-exported here) plus the metric-only check that the float64
sums of squares a metric forms stay finite."""

from __future__ import annotations

import math

from dalearn.losses._checks import check_finite, check_layer_rows, check_rows

__all__ = ["check_finite", "check_float64_squares", "check_layer_rows", "check_rows"]


def check_float64_squares(name: str, largest: float, what: str) -> None:
    """Refuse values whose float64 sums of squares overflow.

    ``largest`` is a float64 bound on the sums of squares the caller forms (``what``: squared
    distances, Σx², …); when it is not finite the error says the values are too large and to
    rescale them.
    """
    if not math.isfinite(largest):
        raise ValueError(
            f"the values of {name} are too large for float64 sums: their {what} overflow to inf. "
            "Rescale the features (e.g. divide them by their largest absolute value) before passing them"
        )
