"""The weight of a loss term in a method's objective (``method.trade_off``, a regulariser's
``weight``), checked when the method is built.

Every method minimises ``L_cls + λ · L_transfer`` (+ Σ λ_r R_r) with the sign of each term set
by the method itself (MDD subtracts its discrepancy, BNM returns a negative norm), so λ is a
number ≥ 0: a negative one turns adaptation into its opposite and a NaN makes every loss NaN
— both would train without an error and give meaningless numbers.
"""

from __future__ import annotations

import math
from typing import Any


def loss_weight(value: Any, key: str) -> float:
    """``value`` as a float ≥ 0; a ValueError naming ``key`` for a negative, NaN, infinite or
    non-numeric one."""
    number = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if number is None or math.isnan(number) or math.isinf(number) or number < 0:
        raise ValueError(
            f"{key} must be a number >= 0 and finite — the weight of a loss term, 0 switches it off — got {value!r}: "
            "a negative weight reverses what the term does, NaN or inf makes every loss NaN"
        )
    return number
