"""The selection history of a run: every numeric value recorded per epoch (accuracies,
validator scores) from ``metrics.json``'s ``history``."""

from __future__ import annotations

import math
from typing import Any

SKIP = {"epoch", "step"}


def history_columns(history: list[dict[str, Any]]) -> tuple[list[int], dict[str, list[float]]]:
    """``(epochs, {key: value per epoch})`` for every numeric key (NaN where an epoch lacks it)."""
    epochs = [int(record.get("epoch", i)) for i, record in enumerate(history)]
    keys = sorted({k for record in history for k, v in record.items() if k not in SKIP and _numeric(v)})
    columns = {k: [float(r[k]) if _numeric(r.get(k)) else math.nan for r in history] for k in keys}
    return epochs, columns


def _numeric(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
