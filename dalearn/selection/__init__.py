"""Model selection: the rules, a run's pick of its epoch, and the ranking of a sweep's checkpoints.

- :mod:`~dalearn.selection.rules` — one :class:`Rule` per rule (name, the history key it
  maximises, what it needs, its direction, a one-line description); the validators of
  :mod:`dalearn.validators` are registered as rules; :func:`get_rule` finds one by name;
- :mod:`~dalearn.selection.collapse` — the contract: an epoch flagged ``val/collapse/flag`` = 1
  is never picked while an unflagged candidate exists;
- :mod:`~dalearn.selection.epoch_pick` — a run's pick (``metrics.json`` and ``best.ckpt``);
- :mod:`~dalearn.selection.candidates`, :mod:`~dalearn.selection.sweep_ranking`,
  :mod:`~dalearn.selection.weighted_spearman` — a sweep's candidates ranked per task (and seed);
  a score never picks a checkpoint of a method whose loss maximises it (``trains_on``) while
  another candidate is eligible;
- :mod:`~dalearn.selection.predictions` and :mod:`~dalearn.selection.ensv` — the target
  predictions every run keeps, and EnsV computed from them after the fact;
- :mod:`~dalearn.selection.objective` — the number a run returns to a Hydra sweeper.

Nothing here imports torch (the validator registry is imported when a validator's rule is
first asked for), so the result tables and ``dalearn-select`` stay quick to start.
"""

from dalearn.selection.collapse import COLLAPSE_FLAG, flagged
from dalearn.selection.epoch_pick import pick_index, recorded_scores, report, select, summarize
from dalearn.selection.objective import objective_value
from dalearn.selection.rules import (
    DEFAULT_ORACLE_METRIC,
    FIXED_RULES,
    SCORE_PREFIX,
    Rule,
    all_rules,
    describe,
    get_rule,
    score_key,
)

__all__ = [
    "COLLAPSE_FLAG",
    "DEFAULT_ORACLE_METRIC",
    "FIXED_RULES",
    "SCORE_PREFIX",
    "Rule",
    "all_rules",
    "describe",
    "flagged",
    "get_rule",
    "objective_value",
    "pick_index",
    "recorded_scores",
    "report",
    "score_key",
    "select",
    "summarize",
]
