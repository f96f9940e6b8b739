"""The collapse contract every rule honours.

The run's collapse check (degenerate target predictions: one class taking most of them, the
entropy of the mean prediction far below the source class prior's, …) writes
``val/collapse/flag`` = 1 into the history record of an epoch it judges collapsed, 0 otherwise.
A confident collapsed model is exactly what confidence-based scores rank first, so:

**a flagged epoch is never picked — by any label-free rule, for a run's own epoch
(:mod:`dalearn.selection.epoch_pick`, hence ``best.ckpt`` and ``metrics.json``) or across a
sweep (:mod:`dalearn.selection.sweep_ranking`) — while an unflagged candidate exists.** Among
the unflagged candidates the rule decides as usual; if every candidate is flagged, the rule
decides among all of them (there is nothing better to offer, and the flag is in the record for
the reader to see).

``oracle`` is exempt: it is the measuring stick (the true best checkpoint by the target labels),
not a choice a user can make, and regret must be measured against the true best even when that
is a flagged checkpoint. A record without the key (runs from before the check existed) counts as
unflagged.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

COLLAPSE_FLAG = "val/collapse/flag"


def flagged(record: Mapping[str, Any]) -> bool:
    """Whether the history record is flagged as collapsed (``val/collapse/flag`` == 1)."""
    value = record.get(COLLAPSE_FLAG)
    if isinstance(value, bool):
        return value
    try:
        return value is not None and float(value) == 1.0
    except (TypeError, ValueError):
        return False


def eligible(flags: Sequence[bool]) -> list[bool]:
    """Which candidates a label-free rule may pick: the unflagged ones, or all if none is."""
    return [not flag for flag in flags] if not all(flags) else [True] * len(flags)
