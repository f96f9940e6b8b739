"""best.ckpt follows the one picker: after each validation, BestCheckpoint saves the weights
exactly when the newest history record becomes the rule's pick, so the last epoch it saved is
the epoch metrics.json names — through ties (earliest), NaN scores (never while a number
exists) and collapse flags (never while an unflagged epoch exists), with a pick that is not the
last epoch."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from lightning.pytorch.trainer.states import TrainerFn

from dalearn.run.best_checkpoint import BestCheckpoint
from dalearn.selection import COLLAPSE_FLAG, summarize

NAN = float("nan")


def history(scores, flags=None):
    flags = flags or [0] * len(scores)
    return [
        {
            "epoch": e,
            "step": e + 1,
            "val/tgt_acc": 0.1 * e,
            "val/tgt_mean_class_acc": 0.1 * e,
            "val/score/ima": s,
            COLLAPSE_FLAG: f,
        }
        for e, (s, f) in enumerate(zip(scores, flags))
    ]


class FakeTrainer:
    def __init__(self):
        self.sanity_checking = False
        self.state = SimpleNamespace(fn=TrainerFn.FITTING)
        self.world_size = 1
        self.saved = []
        self.epoch = None

    def save_checkpoint(self, path, weights_only=False):  # Lightning's default: the whole state
        self.saved.append((path.name, self.epoch, weights_only))


def run_epochs(records, rule="ima"):
    callback = BestCheckpoint("/nowhere/checkpoints", rule)
    trainer, module = FakeTrainer(), SimpleNamespace(history=[])
    for record in records:
        module.history.append(record)
        trainer.epoch = record["epoch"]
        callback.on_validation_end(trainer, module)
    return trainer.saved


@pytest.mark.parametrize(
    ("scores", "flags"),
    [
        ([0.1, 0.5, 0.3, 0.2], None),  # the pick is epoch 1, not the last
        ([0.5, 0.5, 0.4], None),  # a tie: the earliest
        ([NAN, 0.2, NAN, 0.1], None),  # NaN never beats a number
        ([NAN, NAN], None),  # only NaN: the earliest
        ([0.1, 0.9, 0.95, 0.3], [0, 1, 1, 0]),  # the confident epochs are flagged
        ([0.9, 0.8], [1, 1]),  # every epoch flagged: the rule decides
    ],
)
def test_the_last_saved_epoch_is_the_epoch_metrics_json_names(scores, flags):
    records = history(scores, flags)
    saved = run_epochs(records)
    expected = summarize(records, "ima")["epoch"]
    assert saved and saved[-1] == ("best.ckpt", expected, False)
    assert [epoch for _, epoch, _ in saved] == sorted({epoch for _, epoch, _ in saved})


def test_no_save_in_the_sanity_check_or_outside_fit_and_none_when_the_rule_cannot_pick():
    callback = BestCheckpoint("/nowhere/checkpoints", "ima")
    trainer, module = FakeTrainer(), SimpleNamespace(history=history([0.1]))
    trainer.sanity_checking = True
    callback.on_validation_end(trainer, module)
    trainer.sanity_checking, trainer.state.fn = False, TrainerFn.VALIDATING
    callback.on_validation_end(trainer, module)
    assert trainer.saved == []
    unscored = [{k: v for k, v in r.items() if k != "val/score/ima"} for r in history([0.1])]
    assert run_epochs(unscored) == []
