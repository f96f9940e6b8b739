"""``checkpoints/best.ckpt``: the weights of the epoch the run's selection rule picks, decided by
the one picker that also writes ``metrics.json`` (:func:`dalearn.selection.pick_index`).

After every validation of ``fit`` (once the epoch's history record is complete: Lightning calls
``Checkpoint`` callbacks after every other callback), the picker is asked which record of the
history so far the rule picks; when it is the newest, the current weights are saved as
``best.ckpt`` (atomically: the trainer's checkpoint writer, :class:`dalearn.run.checkpoint_io.AtomicCheckpointIO`).
The picker's order does not depend on later records, so the pick at the end of training is the
last epoch saved here — ties (earliest epoch), NaN (never, while a number exists) and collapse
flags (never, while an unflagged epoch exists) are decided in one place. Under DDP rank 0's
decision is broadcast, so every process takes part in the same saves.
"""

from __future__ import annotations

import logging
from pathlib import Path

import lightning as L
from lightning.pytorch.callbacks import Checkpoint
from lightning.pytorch.trainer.states import TrainerFn

from dalearn.selection import DEFAULT_ORACLE_METRIC, get_rule, pick_index

log = logging.getLogger("dalearn")


#: best.ckpt holds the whole training state, optimisers included, as last.ckpt does (a save, not a
#: load: it is read back through dalearn.io.trusted with weights_only=True). Named, not left to
#: Lightning's default, which warns on every save when the argument is missing.
WITH_OPTIMIZER_STATE = True


class BestCheckpoint(Checkpoint):
    """Saves ``<dirpath>/<filename>`` whenever the newest epoch becomes ``rule``'s pick."""

    def __init__(
        self, dirpath: str, rule: str, oracle_metric: str = DEFAULT_ORACLE_METRIC, filename: str = "best.ckpt"
    ) -> None:
        self.path = Path(dirpath) / filename
        self.rule = get_rule(rule)
        self.oracle_metric = oracle_metric
        self._records = 0
        self._warned = False

    def is_pick(self, history: list) -> bool:
        """Whether the newest record of ``history`` is the rule's pick (False if it cannot pick)."""
        try:
            return pick_index(history, self.rule, self.oracle_metric) == len(history) - 1
        except ValueError as error:
            if not self._warned:
                log.warning("no best.ckpt: %s", error)
                self._warned = True
            return False

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.sanity_checking or trainer.state.fn != TrainerFn.FITTING:
            return
        history = list(getattr(pl_module, "history", []))
        grew = len(history) > self._records
        self._records = len(history)
        decision = bool(grew and history and self.is_pick(history))
        if trainer.world_size > 1:
            decision = bool(trainer.strategy.broadcast(decision, src=0))
        if decision:
            trainer.save_checkpoint(self.path, weights_only=not WITH_OPTIMIZER_STATE)
