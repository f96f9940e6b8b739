"""EnsV against a hand-computed example and an independent NumPy derivation; in a pool, the
candidates without predictions or with predictions on another target set are left out with the
reason; a collapsed member is one vote in the ensemble but cannot be picked."""

from __future__ import annotations

import numpy as np
import pytest

from dalearn.selection.candidates import Checkpoint
from dalearn.selection.ensv import ensemble_labels, ensv_scores
from dalearn.selection.sweep_ranking import add_ensv, choose


def test_a_hand_computed_example():
    # 3 candidates, 4 images, 3 classes.
    a = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4], [0.5, 0.4, 0.1]])
    b = np.array([[0.6, 0.3, 0.1], [0.5, 0.4, 0.1], [0.1, 0.1, 0.8], [0.2, 0.7, 0.1]])
    c = np.array([[0.1, 0.8, 0.1], [0.2, 0.7, 0.1], [0.2, 0.2, 0.6], [0.1, 0.8, 0.1]])
    # Column sums per image: [1.4, 1.3, .3] → 0; [.8, 1.9, .3] → 1; [.6, .6, 1.8] → 2; [.8, 1.9, .3] → 1.
    assert ensemble_labels([a, b, c]).tolist() == [0, 1, 2, 1]
    # argmax a: 0,1,2,0 → 3/4; b: 0,0,2,1 → 3/4; c: 1,1,2,1 → 3/4 … c misses image 0, a image 3, b image 1.
    assert ensv_scores([a, b, c]).tolist() == [0.75, 0.75, 0.75]
    d = np.array([[0.9, 0.05, 0.05]] * 4)  # a collapsed candidate: class 0 everywhere
    # With d the ensemble of image 3 becomes [1.7, 1.95, .35] → still 1; image 1 [1.7, 1.95, .35] → 1.
    assert ensemble_labels([a, b, c, d]).tolist() == [0, 1, 2, 1]
    assert ensv_scores([a, b, c, d]).tolist() == [0.75, 0.75, 0.75, 0.25]


def test_against_an_independent_derivation():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(7, 50, 5)) * rng.uniform(0.2, 3.0, size=(7, 1, 1))
    probs = np.exp(logits) / np.exp(logits).sum(axis=2, keepdims=True)
    pseudo = probs.mean(axis=0).argmax(axis=1)
    expected = [(probs[m].argmax(axis=1) == pseudo).mean() for m in range(7)]
    assert ensv_scores(list(probs)) == pytest.approx(expected, abs=0)


def test_candidates_must_score_the_same_images():
    with pytest.raises(ValueError, match="same target images"):
        ensv_scores([np.full((3, 2), 0.5), np.full((4, 2), 0.5)])


class FakeRun:
    def __init__(self, path):
        self.path, self.method, self.seed, self.identity = path, path, 0, {}


def test_a_pool_scores_its_members_and_says_whom_it_left_out():
    rows = np.arange(4)
    predictions = {
        "a": np.array([[0.9, 0.1], [0.8, 0.2], [0.2, 0.8], [0.3, 0.7]]),
        "b": np.array([[0.6, 0.4], [0.4, 0.6], [0.1, 0.9], [0.4, 0.6]]),
        "collapsed": np.array([[0.99, 0.01]] * 4),
    }
    accuracy = {"a": 0.9, "b": 0.7, "collapsed": 0.5, "none": 0.8, "other": 0.95}
    pool = [
        Checkpoint(run=FakeRun(name), epoch=0, step=1, accuracy=accuracy[name], flagged=name == "collapsed")
        for name in ("a", "b", "collapsed", "none", "other")
    ]

    def stored(checkpoint):
        name = checkpoint.run.path
        if name == "none":
            return None
        if name == "other":
            return np.arange(6), np.full((6, 2), 0.5)
        return rows, predictions[name]

    skipped = dict((c.run.path, reason) for c, reason in add_ensv(pool, stored))
    assert set(skipped) == {"none", "other"}
    assert "no stored target predictions" in skipped["none"] and "different task" in skipped["other"]
    # mean of a, b, collapsed → [[.83,.17],[.73,.27],[.43,.57],[.56,.44]] → labels 0, 0, 1, 0
    assert [c.scores.get("ensv") for c in pool[:3]] == [0.75, 0.5, 0.75]
    choice = choose([c for c in pool if "ensv" in c.scores], "ensv", "toy")
    assert choice.pick.run.path == "a" and choice.tied == 1 and choice.excluded_flagged == 1
