"""The run-vs-baseline numbers of dalearn-analyze against independent derivations: the
headline, the paired standard error of the accuracy difference, the proxy A-distance's
standard error and small-sample warning, and the figures' fixes (under-confident bins drawn,
per-bin counts, no duplicate history series, integer epoch ticks)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dalearn.analysis import plots
from dalearn.analysis.comparison import (
    SMALL_SAMPLE,
    difference_se,
    gap_rows,
    headline,
    pad_standard_error,
    target_numbers,
    verdict,
)


def logits_for(predictions: np.ndarray, num_classes: int, confidence: float = 4.0) -> np.ndarray:
    logits = np.zeros((len(predictions), num_classes))
    logits[np.arange(len(predictions)), predictions] = confidence
    return logits


def test_headline_and_paired_standard_error():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 400)
    run_pred = np.where(rng.random(400) < 0.8, labels, (labels + 1) % 3)
    base_pred = np.where(rng.random(400) < 0.6, labels, (labels + 2) % 3)
    run, base = target_numbers(logits_for(run_pred, 3), labels, 3), target_numbers(logits_for(base_pred, 3), labels, 3)
    a, b = (run_pred == labels).mean(), (base_pred == labels).mean()
    assert headline("DANN", "Source Only", run, base) == (
        f"DANN {100 * a:.1f} % vs Source Only {100 * b:.1f} %: {100 * (a - b):+.1f} points"
    )
    # paired: the per-image differences d_i = right_run − right_base; SE = std(d, ddof=0) / √N
    d = (run_pred == labels).astype(float) - (base_pred == labels).astype(float)
    se, paired = difference_se(run, base)
    assert paired and se == pytest.approx(d.std() / math.sqrt(len(d)), rel=1e-12)
    assert verdict(run, base).startswith("Adaptation helped")


def test_a_difference_within_noise_is_called_so():
    labels = np.arange(40) % 4
    run_pred = labels.copy()
    run_pred[:10] = (labels[:10] + 1) % 4  # 30/40 right
    base_pred = labels.copy()
    base_pred[10:21] = (labels[10:21] + 1) % 4  # 29/40 right, mostly different images
    run, base = target_numbers(logits_for(run_pred, 4), labels, 4), target_numbers(logits_for(base_pred, 4), labels, 4)
    assert verdict(run, base).startswith("Within noise")
    assert headline("A", "B", run, base).endswith("+2.5 points")


def test_unpaired_when_the_images_differ():
    run = target_numbers(logits_for(np.array([0, 1, 1, 0]), 2), np.array([0, 1, 0, 0]), 2)
    base = target_numbers(logits_for(np.array([0, 1, 1]), 2), np.array([0, 1, 1]), 2)
    se, paired = difference_se(run, base)
    assert not paired and se == pytest.approx(math.sqrt(0.75 * 0.25 / 4 + 0.0))


def test_proxy_a_distance_standard_error_and_small_sample_warning():
    # ε = (1 − PAD/2)/2; SE(PAD) = 4·√(¼ ε(1−ε)(1/h_s + 1/h_t))
    pad, h_s, h_t = 1.0, 200, 300
    eps = 0.25
    assert pad_standard_error(pad, h_s, h_t) == pytest.approx(
        4 * math.sqrt(0.25 * eps * (1 - eps) * (1 / 200 + 1 / 300))
    )
    gap = {
        "run": {"proxy_a_distance": 1.2, "klmvn_diag": 1.0, "mmd_linear": 2.0, "fid": 3.0},
        "baseline": {"proxy_a_distance": 1.9, "klmvn_diag": 5.0, "mmd_linear": 9.0, "fid": 9.0},
    }
    rows, warnings = gap_rows(gap, n_source=60, n_target=18, dimension=256)
    assert any("is noise" in w and "9 target" in w for w in warnings)
    assert rows[0][0] == "proxy A-distance" and rows[0][-1] == "unreadable (too few images)"
    assert all(row[-2] == "lower" for row in rows)
    assert {row[-1] for row in rows[1:]} == {"not comparable across models"}
    rows, warnings = gap_rows(gap, n_source=2 * SMALL_SAMPLE * 4, n_target=2 * SMALL_SAMPLE * 4, dimension=64)
    assert not any("is noise" in w for w in warnings) and rows[0][-1] == "run closer"


def test_reliability_figure_shows_under_confident_bins_and_counts():
    labels = np.zeros(300, dtype=int)
    logits = np.zeros((300, 2))
    logits[:, 0] = np.log(
        np.linspace(0.55, 0.65, 300) / (1 - np.linspace(0.55, 0.65, 300))
    )  # confidence ~0.6, always right
    numbers = target_numbers(logits, labels, 2)
    figure = plots.reliability_figure({"run": (numbers.bins, numbers.ece)})
    axis = figure.axes[0]
    labels_drawn = {container.get_label() for container in axis.containers}
    assert "gap: under-confident" in labels_drawn and "gap: over-confident" not in labels_drawn
    under = next(c for c in axis.containers if c.get_label() == "gap: under-confident")
    filled = numbers.bins["count"] > 0
    gaps = numbers.bins["accuracy"][filled] - numbers.bins["confidence"][filled]
    assert sorted(round(p.get_height(), 6) for p in under.patches) == sorted(np.round(gaps, 6))
    counts = sorted(int(t.get_text()) for t in axis.texts)
    assert counts == sorted(numbers.bins["count"][filled].tolist()) and sum(counts) == 300
    plots._pyplot().close(figure)


def test_history_figure_draws_each_series_once_with_integer_epochs():
    columns = {
        "val/src_acc": [0.5, 0.6, 0.7],
        "val/score/src_acc": [0.5, 0.6, 0.7],  # the same numbers under the validator's name
        "val/tgt_acc": [0.3, 0.4, 0.45],
        "val/score/ima": [1.0, 1.2, 1.1],
    }
    figure = plots.history_figure([0, 1, 2], columns, selected=1)
    drawn = [
        line.get_label()
        for axis in figure.axes
        for line in axis.get_lines()
        if not line.get_label().startswith("selected")
    ]
    assert sorted(drawn) == ["val/score/ima", "val/src_acc", "val/tgt_acc"]
    for axis in figure.axes:
        if axis.get_visible():
            ticks = [t for t in axis.get_xticks() if 0 <= t <= 2]
            assert ticks and all(float(t).is_integer() for t in ticks)
    plots._pyplot().close(figure)
