"""A run's ``trains_on`` record (the scores its method maximises, in ``metrics.json``) reaches the
sweep's candidates, so that dalearn-select does not let those scores pick the run."""

from __future__ import annotations

from types import SimpleNamespace

from dalearn.tables.checkpoints import run_checkpoints


def record(epoch):
    return {"epoch": epoch, "step": epoch + 1, "val/tgt_acc": 0.4, "val/tgt_mean_class_acc": 0.4, "val/score/ima": 0.9}


def run(metrics):
    return SimpleNamespace(
        finished=True, dataset="digits", task="clean2drift", data_name="digits_clean2drift", metrics=metrics, path="r"
    )


def test_the_record_is_read_from_metrics_json():
    checkpoints = run_checkpoints(run({"history": [record(0), record(1)], "trains_on": ["ima", "entropy"]}))
    assert [c.trains_on for c in checkpoints] == [frozenset({"ima", "entropy"})] * 2


def test_a_run_from_before_the_record_trains_on_nothing():
    (checkpoint,) = run_checkpoints(run({"history": [record(0)]}))
    assert checkpoint.trains_on == frozenset()
