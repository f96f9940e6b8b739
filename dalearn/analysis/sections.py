"""The sections of ``index.html`` that compare the run with its baseline — the headline
(did adaptation help?), the domain-gap table, per-class accuracy, confusion, calibration —
and the selection history; each writes its CSVs and figures and returns its section and
``summary.json`` entries. The numbers and how far they can be read: :mod:`dalearn.analysis.comparison`."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import numpy as np
from omegaconf import DictConfig, OmegaConf

from dalearn.analysis import plots
from dalearn.analysis.calibration import N_BINS
from dalearn.analysis.comparison import (
    TargetNumbers,
    comparison_rows,
    difference_se,
    gap_rows,
    headline,
    per_class_rows,
    verdict,
)
from dalearn.analysis.history import history_columns
from dalearn.analysis.report import write_csv
from dalearn.tables.reference import method_label


def run_name(config: DictConfig) -> str:
    """The method's display name (``dann`` → ``DANN``, ``source_only`` → ``Source Only``)."""
    return method_label(str(OmegaConf.select(config, "method.name", default="run")))


def data_name(config: DictConfig) -> str:
    """``digits_clean2drift (clean → drift)``: the data config's name and its two domains."""

    def value(key: str) -> Optional[str]:
        try:
            found = OmegaConf.select(config, key, default=None, throw_on_resolution_failure=False)
        except Exception:  # an interpolation that cannot be resolved here: leave it out
            return None
        return None if found is None or isinstance(found, DictConfig) else str(found)

    name = value("data.name") or "data"
    source, target = value("data.source_domain"), value("data.target_domain")
    return f"{name} ({source} → {target})" if source and target else name


def title(run_config: DictConfig, baseline_config: Optional[DictConfig]) -> str:
    text = f"{run_name(run_config)} on {data_name(run_config)}"
    return text if baseline_config is None else f"{text} vs {run_name(baseline_config)} (baseline)"


def names(run_config: DictConfig, baseline_config: Optional[DictConfig]) -> tuple[str, Optional[str]]:
    """The two models' labels; a baseline with the same method is called 'baseline'."""
    run = run_name(run_config)
    if baseline_config is None:
        return run, None
    base = run_name(baseline_config)
    return run, (f"baseline ({base})" if base == run else base)


def headline_section(run: TargetNumbers, baseline: TargetNumbers, run_label: str, base_label: str) -> tuple[dict, dict]:
    line = headline(run_label, base_label, run, baseline)
    se, paired = difference_se(run, baseline)
    section = {
        "heading": "Did adaptation help?",
        "headline": line,
        "text": verdict(run, baseline),
        "table": (
            ["target split", run_label, base_label, "difference (points)", "better"],
            comparison_rows(run, baseline),
        ),
    }
    summary = {
        "headline": line,
        "accuracy_difference_points": 100 * (run.accuracy - baseline.accuracy),
        "accuracy_difference_se_points": 100 * se,
        "paired": paired,
    }
    return section, summary


def gap_section(folder: Path, gap: dict, n_source: int, n_target: int, dimension: int, labels: tuple) -> dict:
    """The domain-gap table with which way is better and what cannot be read."""
    flat = [(who, metric, value) for who, values in gap.items() for metric, value in values.items()]
    write_csv(folder / "domain_gap.csv", ["run", "metric", "value"], flat)
    rows, warnings = gap_rows(gap, n_source, n_target, dimension)
    run_label, base_label = labels
    header = ["distance", run_label] + ([base_label, "difference"] if base_label else []) + ["better", "reading"]
    return {
        "heading": "Domain gap of the features",
        "table": (header, rows),
        "warnings": warnings,
        "csv": "domain_gap.csv",
        "text": f"{n_source} source and {n_target} target images. Proxy A-distance 2(1−2ε) of a linear domain "
        "classifier tested on half of them (± one standard error); KL of diagonal Gaussians (source ‖ target), "
        "linear MMD ‖μs−μt‖², FID. Every one is a distance: lower means the domains are closer.",
    }


def target_sections(
    folder: Path,
    classes: list[str],
    run: TargetNumbers,
    baseline: Optional[TargetNumbers],
    labels: tuple[str, Optional[str]],
) -> tuple[list[dict], dict]:
    """Per-class accuracy, confusion and calibration of the run (and the baseline beside it)."""
    run_label, base_label = labels
    models = {run_label: run} | ({base_label: baseline} if baseline is not None else {})
    header = ["class_index", "class", "support", "accuracy"]
    raw = [
        (
            i,
            classes[i],
            int(run.per_class["support"][i]),
            int(run.per_class["correct"][i]),
            float(run.per_class["accuracy"][i]),
        )
        for i in range(len(classes))
    ]
    write_csv(folder / "per_class_accuracy.csv", ["class_index", "class", "support", "correct", "accuracy"], raw)
    shown_header = (
        header[:3] + [f"{run_label} (%)"] + ([f"{base_label} (%)", "difference (points)"] if baseline else [])
    )
    for prefix, numbers in (("", run), ("baseline_", baseline)):
        if numbers is None:
            continue
        write_csv(
            folder / f"{prefix}confusion_matrix.csv",
            ["true\\predicted", *classes],
            [(classes[i], *map(int, numbers.confusion[i])) for i in range(len(classes))],
        )
        write_csv(
            folder / f"{prefix}reliability.csv",
            ["lower", "upper", "count", "accuracy", "confidence"],
            [
                tuple(
                    float(numbers.bins[k][i]) if k != "count" else int(numbers.bins[k][i])
                    for k in ("lower", "upper", "count", "accuracy", "confidence")
                )
                for i in range(N_BINS)
            ],
        )
    if baseline is not None:
        write_csv(
            folder / "baseline_per_class_accuracy.csv",
            ["class_index", "class", "support", "correct", "accuracy"],
            [
                (
                    i,
                    classes[i],
                    int(baseline.per_class["support"][i]),
                    int(baseline.per_class["correct"][i]),
                    float(baseline.per_class["accuracy"][i]),
                )
                for i in range(len(classes))
            ],
        )
    summary_title = ", ".join(
        f"{label} top-1 {100 * n.accuracy:.1f}%, mean {100 * n.mean_class_accuracy:.1f}%" for label, n in models.items()
    )
    plots.save(
        plots.per_class_figure(
            classes,
            {label: n.per_class["accuracy"] for label, n in models.items()},
            f"target accuracy per class ({summary_title})",
        ),
        folder / "per_class_accuracy.png",
    )
    plots.save(
        plots.confusion_figure(classes, {label: n.confusion for label, n in models.items()}),
        folder / "confusion_matrix.png",
    )
    plots.save(
        plots.reliability_figure({label: (n.bins, n.ece) for label, n in models.items()}), folder / "reliability.png"
    )
    ece_text = "; ".join(f"{label}: {100 * n.ece:.2f}%" for label, n in models.items())
    sections = [
        {
            "heading": "Per-class accuracy on the target",
            "image": "per_class_accuracy.png",
            "csv": "per_class_accuracy.csv",
            "table": (shown_header, per_class_rows(classes, run, baseline)),
        },
        {"heading": "Confusion matrix on the target", "image": "confusion_matrix.png", "csv": "confusion_matrix.csv"},
        {
            "heading": "Calibration on the target",
            "image": "reliability.png",
            "csv": "reliability.csv",
            "text": f"Expected calibration error ({N_BINS} equal-width bins, lower is better): {ece_text}. Red: the "
            "model is more confident than accurate in that bin; green: less. The numbers are the predictions per bin.",
        },
    ]
    summary: dict[str, Any] = {
        "target_accuracy": run.accuracy,
        "target_mean_class_accuracy": run.mean_class_accuracy,
        "ece": run.ece,
        "ece_bins": N_BINS,
    }
    if baseline is not None:
        summary["baseline_target"] = {
            "accuracy": baseline.accuracy,
            "mean_class_accuracy": baseline.mean_class_accuracy,
            "ece": baseline.ece,
            "per_class_accuracy": [None if np.isnan(a) else float(a) for a in baseline.per_class["accuracy"]],
        }
    return sections, summary


def history_section(folder: Path, metrics: dict) -> tuple[Optional[dict], dict]:
    """The selection history of the run: every number recorded per epoch."""
    history = metrics.get("history") or []
    if not history:
        return None, {}
    epochs, columns = history_columns(history)
    keys = list(columns)
    write_csv(
        folder / "history.csv", ["epoch", *keys], [(e, *(columns[k][i] for k in keys)) for i, e in enumerate(epochs)]
    )
    selected = metrics.get("epoch")
    plots.save(plots.history_figure(epochs, columns, selected), folder / "history.png")
    section = {
        "heading": "Selection history",
        "image": "history.png",
        "csv": "history.csv",
        "text": f"selection={metrics.get('selection')} chose epoch {selected}.",
    }
    return section, {"selection": {"rule": metrics.get("selection"), "epoch": selected}}
