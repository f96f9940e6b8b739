"""``analyze``: everything ``dalearn-analyze`` writes for one run, in one folder.

Steps: rebuild the run (and the ``baseline`` run, e.g. Source-Only, when given); extract the
classifier's features on the source training images (at most ``max_per_domain``, a fixed
subsample) and on the labelled target test split (every image, for the accuracy and
calibration numbers; the domain gap uses a subsample of at most ``max_per_domain`` of them,
t-SNE one of at most ``tsne_per_domain`` images of each domain); then compute and draw.
The folder is assembled under a temporary name and renamed when complete, so
``analysis/`` is never half written. The output folder is checked before any work: dalearn
replaces it only when it is missing, empty, or an analysis folder dalearn made (its
``.dalearn-owner.json`` marker, or — written by an earlier version — nothing but the files
listed in :data:`OUTPUT_FILES`); anything else (a folder with your files, a run directory) is
refused. A temporary folder a killed ``dalearn-analyze`` left is removed by the next one, and
two runs on the same output do not fail: the last one to finish wins.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Optional

import numpy as np

from dalearn.analysis import plots
from dalearn.analysis import sections as sections_mod
from dalearn.analysis.comparison import target_numbers
from dalearn.analysis.embedding import tsne_embedding
from dalearn.analysis.features import DomainFeatures, extract, subsample
from dalearn.analysis.gap import feature_gap
from dalearn.analysis.loading import LoadedRun, build_run, locate, read_run
from dalearn.analysis.report import write_csv, write_index
from dalearn.data.views import TransformedView
from dalearn.io import atomic_write_json, discard_temporary, progress, remove_stale_temporaries, temporary_sibling
from dalearn.io.ownership import claim, only_names, replace_directory, write_marker

log = logging.getLogger("dalearn")

#: what an analysis folder holds (an unmarked folder of only these is an earlier version's output).
OUTPUT_FILES = tuple(
    f"{stem}.{extension}"
    for stem, extensions in {
        "features": ("npz",),
        "summary": ("json",),
        "index": ("html",),
        "tsne": ("csv", "png"),
        "domain_gap": ("csv",),
        "per_class_accuracy": ("csv", "png"),
        "confusion_matrix": ("csv", "png"),
        "reliability": ("csv", "png"),
        "history": ("csv", "png"),
    }.items()
    for extension in extensions
)
OUT_ADVICE = "give --out a new or empty folder (or one dalearn-analyze wrote)"


def output_folder(path: str | Path, out: Optional[str | Path], config: Optional[str | Path]) -> Path:
    """Where the analysis goes (``out``, default ``<run>/analysis``), checked before any work:
    missing, empty or an analysis folder dalearn made — else :class:`~dalearn.io.ownership.ForeignFolderError`.
    Removes the temporary folders of a killed earlier analysis of the same output."""
    folder = Path(out).expanduser() if out is not None else locate(path, config)[0] / "analysis"
    claim(folder, "analysis", OUT_ADVICE, legacy=only_names(OUTPUT_FILES), create=False)
    for leftover in remove_stale_temporaries(folder.parent, folder.name):
        log.info("removed %s, left by a dalearn-analyze that was killed", leftover)
    return folder


def evaluation_sets(loaded: LoadedRun) -> tuple[Any, Any, str]:
    """``(source images, target test images, target split name)``, with the evaluation transform."""
    dm = loaded.datamodule
    roles = dm.eval_roles
    role = "target_test" if "target_test" in roles else "target_val"
    target = dm.eval_dataloaders()[roles.index(role)].dataset
    return TransformedView(dm.source["train"], dm.eval_transform), target, role


def run_features(loaded: LoadedRun, max_per_domain: int, seed: int, batch_size: int, device: str, name: str):
    source_set, target_set, role = evaluation_sets(loaded)
    source = extract(
        loaded.model,
        source_set,
        subsample(len(source_set), max_per_domain, seed),
        f"{name}: source features",
        batch_size,
        device,
    )
    target = extract(
        loaded.model, target_set, np.arange(len(target_set)), f"{name}: target features", batch_size, device
    )
    return source, target, role


def _embedding_panel(title: str, source: DomainFeatures, target: DomainFeatures, rows: dict, seed: int) -> dict:
    s, t = source.take(rows["tsne_source"]), target.take(rows["tsne_target"])
    s2, t2 = tsne_embedding(s.features, t.features, seed)
    return {"title": title, "source": s2, "target": t2, "source_labels": s.labels, "target_labels": t.labels}


def analyze(
    path: str | Path,
    out: Optional[str | Path] = None,
    baseline: Optional[str | Path] = None,
    max_per_domain: int = 2000,
    tsne_per_domain: int = 1000,
    seed: int = 0,
    batch_size: int = 512,
    device: str = "cpu",
    config: Optional[str | Path] = None,
    trust_config: bool = False,
) -> dict[str, Any]:
    """Analyse the run (directory or checkpoint) at ``path``; returns ``summary.json``'s content.
    ``trust_config``: build the runs' configs without the trusted reader's check (``--trust-config``)."""
    if max_per_domain < 10 or tsne_per_domain < 10:
        raise ValueError(
            f"max_per_domain and tsne_per_domain need at least 10 images, got {max_per_domain}, {tsne_per_domain}"
        )
    out = output_folder(path, out, config)
    state: dict[str, Any] = {}

    files = {"run": read_run(path, config, trust=trust_config)}
    if baseline is not None:  # both runs' files are read and checked before anything is built
        files["baseline"] = read_run(baseline, trust=trust_config, role="baseline")

    def load() -> None:
        for role, read in files.items():
            state[role] = build_run(read)

    def features() -> None:
        state["source"], state["target"], state["role"] = run_features(
            state["run"], max_per_domain, seed, batch_size, device, "run"
        )
        state["rows"] = {
            "gap_target": subsample(len(state["target"].labels), max_per_domain, seed),
            "tsne_source": subsample(len(state["source"].labels), tsne_per_domain, seed),
            "tsne_target": subsample(len(state["target"].labels), tsne_per_domain, seed),
        }
        if "baseline" in state:
            state["b_source"], state["b_target"], _ = run_features(
                state["baseline"], max_per_domain, seed, batch_size, device, "baseline"
            )

    def gaps() -> None:
        rows = state["rows"]["gap_target"]
        state["gap"] = {"run": feature_gap(state["source"].features, state["target"].features[rows], seed)}
        if "baseline" in state:
            state["gap"]["baseline"] = feature_gap(state["b_source"].features, state["b_target"].features[rows], seed)

    def embed() -> None:
        panels = [_embedding_panel("this run", state["source"], state["target"], state["rows"], seed)]
        if "baseline" in state:
            panels.append(_embedding_panel("baseline", state["b_source"], state["b_target"], state["rows"], seed))
        state["panels"] = panels

    steps = [("rebuild the run", load), ("features", features), ("domain gap", gaps), ("t-SNE", embed)]
    for _, step in progress(steps, "dalearn-analyze", unit="steps"):
        step()
    loaded: LoadedRun = state["run"]
    staging = temporary_sibling(out, directory=True)
    try:
        summary = write_outputs(staging, loaded, state, seed, baseline)
        write_marker(staging, "analysis")
        replace_directory(staging, out, "analysis", OUT_ADVICE)
    finally:
        discard_temporary(staging)
    log.info("analysis written to %s (open index.html)", out.resolve())
    return summary


def write_outputs(folder: Path, loaded: LoadedRun, state: dict, seed: int, baseline: Any) -> dict[str, Any]:
    """Every file of the analysis, into ``folder``."""
    classes = list(loaded.datamodule.classes or [str(i) for i in range(loaded.datamodule.num_classes)])
    num_classes = loaded.datamodule.num_classes
    source, target, rows = state["source"], state["target"], state["rows"]
    panels = state["panels"]
    np.savez_compressed(
        folder / "features.npz",
        source_features=source.features,
        source_logits=source.logits,
        source_labels=source.labels,
        source_index=source.index,
        target_features=target.features,
        target_logits=target.logits,
        target_labels=target.labels,
        target_index=target.index,
        gap_target_rows=rows["gap_target"],
        tsne_source_rows=rows["tsne_source"],
        tsne_target_rows=rows["tsne_target"],
        tsne_source=panels[0]["source"],
        tsne_target=panels[0]["target"],
        classes=np.array(classes),
    )
    sections: list[dict[str, Any]] = []
    summary: dict[str, Any] = {
        "run": str(loaded.path),
        "checkpoint": str(loaded.checkpoint),
        "baseline": str(baseline) if baseline else None,
        "target_split": state["role"],
        "source_images": int(len(source.labels)),
        "target_images": int(len(target.labels)),
        "seed": seed,
        "domain_gap": state["gap"],
    }
    tsne_rows = [
        (p["title"], dom, float(x), float(y), int(label))
        for p in panels
        for dom, pts, labels in (
            ("source", p["source"], p["source_labels"]),
            ("target", p["target"], p["target_labels"]),
        )
        for (x, y), label in zip(pts, labels)
    ]
    write_csv(folder / "tsne.csv", ["run", "domain", "x", "y", "label"], tsne_rows)
    plots.save(plots.tsne_figure(panels, classes), folder / "tsne.png")
    tsne_section = (
        {
            "heading": "t-SNE of the features",
            "image": "tsne.png",
            "csv": "tsne.csv",
            "text": f"{len(rows['tsne_source'])} source and {len(rows['tsne_target'])} target images "
            f"(fixed subsamples, seed {seed}).",
        },
    )
    labels = sections_mod.names(loaded.config, state["baseline"].config if "baseline" in state else None)
    gap = sections_mod.gap_section(
        folder, state["gap"], len(source.labels), len(rows["gap_target"]), int(source.features.shape[1]), labels
    )
    summary["domain_gap_warnings"] = gap["warnings"]
    if (target.labels >= 0).all() and len(target.labels):
        num_classes = loaded.datamodule.num_classes
        run_numbers = target_numbers(target.logits, target.labels, num_classes)
        base_numbers = None
        b_target = state.get("b_target")
        if b_target is not None and len(b_target.labels) and (b_target.labels >= 0).all():
            base_numbers = target_numbers(b_target.logits, b_target.labels, num_classes)
            headline, entries = sections_mod.headline_section(run_numbers, base_numbers, *labels)
            sections.insert(0, headline)
            summary.update(entries)
        target_parts, entries = sections_mod.target_sections(folder, classes, run_numbers, base_numbers, labels)
        sections += target_parts
        summary.update(entries)
    sections += [gap, *tsne_section]
    history, entries = sections_mod.history_section(folder, loaded.metrics)
    if history is not None:
        sections.append(history)
        summary.update(entries)
    title = sections_mod.title(loaded.config, state["baseline"].config if "baseline" in state else None)
    subtitle = f"run {loaded.path}" + (f"; baseline {state['baseline'].path}" if "baseline" in state else "")
    summary["title"] = title
    atomic_write_json(folder / "summary.json", summary)
    write_index(folder / "index.html", title, sections, subtitle)
    return summary
