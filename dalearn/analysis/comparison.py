"""Did adaptation help? The run's target numbers beside a baseline's (e.g. Source-Only on the
same data), the difference first, and how far each difference can be read.

- **Accuracy**: top-1 and mean per class on the labelled target split, in points (run −
  baseline). When both models predicted the same images (same labels in the same order) the
  standard error of the difference is the paired one, from the images only one model gets
  right (b: run only, c: baseline only): SE = √(b + c − (b − c)²/N) / N (McNemar's setting);
  otherwise the unpaired √(SE₁² + SE₂²). A difference within two standard errors is flagged.
- **Calibration**: the expected calibration error of both (lower is better).
- **Domain gap** of the features: lower is better for every distance (the domains are less
  told apart). The proxy A-distance 2(1 − 2ε) is scale-free, so it compares across models;
  its standard error follows from the held-out error ε of the linear domain classifier,
  SE(ε)² = ¼ ε(1 − ε)(1/h_s + 1/h_t) on h_s, h_t held-out images, SE = 4 SE(ε). With fewer
  held-out images per domain than ``SMALL_SAMPLE`` — or fewer training rows than feature
  dimensions, where a linear classifier separates anything — it is flagged as unreadable.
  KL, linear MMD and FID are measured in each model's own feature space, whose scale differs
  between models: compare them across epochs of one model, not across models.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from dalearn.analysis.calibration import N_BINS, expected_calibration_error, reliability_bins, softmax
from dalearn.analysis.classification import confusion, per_class_accuracy

#: held-out images per domain below which a proxy A-distance is not read.
SMALL_SAMPLE = 100
#: the proxy A-distance's held-out share (dalearn.metrics.proxy_a_distance's default).
PAD_TEST_FRACTION = 0.5
#: how each domain-gap number reads: every one is a distance, lower = domains closer.
GAP_METRICS = {
    "proxy_a_distance": "proxy A-distance",
    "klmvn_diag": "KL (diagonal Gaussians)",
    "mmd_linear": "linear MMD",
    "fid": "FID",
}


@dataclass
class TargetNumbers:
    """What one model scores on the labelled target split."""

    labels: np.ndarray
    predictions: np.ndarray
    accuracy: float
    mean_class_accuracy: float
    per_class: dict[str, np.ndarray]
    confusion: np.ndarray
    bins: dict[str, np.ndarray]
    ece: float

    @property
    def size(self) -> int:
        return int(len(self.labels))


def target_numbers(logits: np.ndarray, labels: np.ndarray, num_classes: int) -> TargetNumbers:
    """Accuracy, mean per class, per-class accuracy, confusion and calibration of ``logits``."""
    probabilities = softmax(logits)
    predictions = probabilities.argmax(axis=1)
    per_class = per_class_accuracy(labels, predictions, num_classes)
    return TargetNumbers(
        labels=np.asarray(labels),
        predictions=predictions,
        accuracy=float((predictions == labels).mean()),
        mean_class_accuracy=float(np.nanmean(per_class["accuracy"])),
        per_class=per_class,
        confusion=confusion(labels, predictions, num_classes),
        bins=reliability_bins(probabilities, labels, N_BINS),
        ece=expected_calibration_error(probabilities, labels, N_BINS),
    )


def difference_se(run: TargetNumbers, baseline: TargetNumbers) -> tuple[float, bool]:
    """``(standard error of the accuracy difference, paired?)`` — see the module docstring."""
    if run.size == baseline.size and np.array_equal(run.labels, baseline.labels):
        right_run, right_base = run.predictions == run.labels, baseline.predictions == baseline.labels
        b = float(np.sum(right_run & ~right_base))
        c = float(np.sum(~right_run & right_base))
        n = run.size
        return math.sqrt(max(b + c - (b - c) ** 2 / n, 0.0)) / n, True
    variance = sum(x.accuracy * (1 - x.accuracy) / max(x.size, 1) for x in (run, baseline))
    return math.sqrt(variance), False


def headline(run_name: str, baseline_name: str, run: TargetNumbers, baseline: TargetNumbers) -> str:
    """``DANN 72.2 % vs Source Only 55.6 %: +16.6 points`` (top-1 target accuracy)."""
    delta = 100 * (run.accuracy - baseline.accuracy)
    return (
        f"{run_name} {100 * run.accuracy:.1f} % vs {baseline_name} {100 * baseline.accuracy:.1f} %: {delta:+.1f} points"
    )


def verdict(run: TargetNumbers, baseline: TargetNumbers) -> str:
    """One sentence: did it help, and can the difference be read on this many images?"""
    delta = run.accuracy - baseline.accuracy
    se, paired = difference_se(run, baseline)
    how = "paired, same images" if paired else "unpaired"
    noise = f"standard error {100 * se:.1f} points ({how}, {run.size} target images)"
    if se > 0 and abs(delta) < 2 * se:
        return f"Within noise: the difference is less than two standard errors ({noise})."
    if delta > 0:
        return f"Adaptation helped: the run is more accurate on the target beyond noise ({noise})."
    if delta < 0:
        return f"Adaptation hurt: the baseline is more accurate on the target beyond noise ({noise})."
    return f"No difference ({noise})."


def comparison_rows(run: TargetNumbers, baseline: TargetNumbers) -> list[tuple]:
    """``(number, run, baseline, difference, better)`` rows, accuracies in %, difference in points."""
    rows = []
    for label, a, b, better in [
        ("top-1 accuracy (%)", run.accuracy, baseline.accuracy, "higher"),
        ("mean per-class accuracy (%)", run.mean_class_accuracy, baseline.mean_class_accuracy, "higher"),
        (f"expected calibration error (%, {N_BINS} bins)", run.ece, baseline.ece, "lower"),
    ]:
        rows.append((label, f"{100 * a:.1f}", f"{100 * b:.1f}", f"{100 * (a - b):+.1f}", better))
    return rows


def per_class_rows(classes: list[str], run: TargetNumbers, baseline: Optional[TargetNumbers]) -> list[tuple]:
    """``(class index, class, support, run %, [baseline %, difference])`` per class."""
    rows = []
    for i, name in enumerate(classes):
        row: list[Any] = [i, name, int(run.per_class["support"][i]), _percent(run.per_class["accuracy"][i])]
        if baseline is not None:
            a, b = run.per_class["accuracy"][i], baseline.per_class["accuracy"][i]
            row += [_percent(b), "–" if np.isnan(a) or np.isnan(b) else f"{100 * (a - b):+.1f}"]
        rows.append(tuple(row))
    return rows


def _percent(value: float) -> str:
    return "–" if np.isnan(value) else f"{100 * value:.1f}"


def pad_standard_error(pad: float, held_out_source: int, held_out_target: int) -> float:
    """Standard error of a proxy A-distance measured on the given held-out images."""
    error = min(max((1.0 - pad / 2.0) / 2.0, 0.5 / (held_out_source + held_out_target)), 0.5)
    variance = 0.25 * error * (1 - error) * (1 / max(held_out_source, 1) + 1 / max(held_out_target, 1))
    return 4.0 * math.sqrt(variance)


def gap_rows(
    gap: dict[str, dict[str, float]], n_source: int, n_target: int, dimension: int
) -> tuple[list[tuple], list[str]]:
    """The domain-gap table (``metric, run, [baseline, difference,] better, reading``) and its warnings."""
    h_s, h_t = round(PAD_TEST_FRACTION * n_source), round(PAD_TEST_FRACTION * n_target)
    train_rows = (n_source - h_s) + (n_target - h_t)
    warnings = []
    small = min(h_s, h_t) < SMALL_SAMPLE or train_rows <= dimension
    if small:
        warnings.append(
            f"The proxy A-distance here is noise: its domain classifier is tested on {h_s} source and {h_t} target "
            f"images and trained on {train_rows} rows of {dimension} features (read it with at least {SMALL_SAMPLE} "
            "held-out images per domain and more rows than features: raise --max-per-domain, or use more target images)."
        )
    has_baseline = "baseline" in gap
    if has_baseline:
        warnings.append(
            "KL, linear MMD and FID are distances in each model's own feature space, whose scale differs between the "
            "two models: only the proxy A-distance compares across models."
        )
    rows = []
    for key, label in GAP_METRICS.items():
        if key not in gap["run"]:
            continue
        run = gap["run"][key]
        row: list[Any] = [label, f"{run:.4g}"]
        if key == "proxy_a_distance":
            se = pad_standard_error(run, h_s, h_t)
            row[1] = f"{run:.3f} ± {se:.3f}"
        if has_baseline:
            base = gap["baseline"][key]
            row += [
                f"{base:.4g}" if key != "proxy_a_distance" else f"{base:.3f} ± {pad_standard_error(base, h_s, h_t):.3f}"
            ]
            row += [f"{run - base:+.3f}" if key == "proxy_a_distance" else f"{run - base:+.4g}"]
        reading = "lower = domains closer"
        if has_baseline:
            if key == "proxy_a_distance":
                se = math.hypot(pad_standard_error(run, h_s, h_t), pad_standard_error(gap["baseline"][key], h_s, h_t))
                if small:
                    reading = "unreadable (too few images)"
                elif abs(run - base) < 2 * se:
                    reading = "no difference beyond noise"
                else:
                    reading = "run closer" if run < base else "baseline closer"
            else:
                reading = "not comparable across models"
        elif key == "proxy_a_distance" and small:
            reading = "unreadable (too few images)"
        rows.append((*row, "lower", reading))
    return rows, warnings
