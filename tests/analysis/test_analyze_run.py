"""dalearn-analyze on real offline runs (digits, DANN and a Source-Only baseline, a few
iterations): the files exist, and every number matches an independent computation on the
features it saved (features.npz) or on the run's own metrics.json."""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from analysis_outputs import FILES, PNGS

from dalearn.analysis import analyze
from dalearn.cli.analyze import main

#: one worker trains the module's two runs (half a minute), not each worker.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("analyze_run")]


def train_run(tmp_path_factory, method: str) -> Path:
    from hydra import compose, initialize_config_dir
    from omegaconf import open_dict

    from dalearn.run.config import CONFIG_DIR
    from dalearn.run.training import train

    run_dir = tmp_path_factory.mktemp(method)
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        cfg = compose(
            config_name="train",
            overrides=[
                "debug=fast",
                f"method={method}",
                "trainer.max_epochs=2",
                "data.iters_per_epoch=10",
                "data.batch_size=32",
            ],
        )
    with open_dict(cfg):
        cfg.paths.run_dir = str(run_dir)
    train(cfg)
    return run_dir


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    run, baseline = train_run(tmp_path_factory, "dann"), train_run(tmp_path_factory, "source_only")
    summary = analyze(run, baseline=baseline, max_per_domain=400, tsne_per_domain=150)
    return {"run": run, "baseline": baseline, "out": run / "analysis", "summary": summary}


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def numpy_ece(logits: np.ndarray, labels: np.ndarray, n_bins: int = 15) -> float:
    """ECE written from its definition, bin by bin, independently of dalearn.analysis."""
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    conf, pred = p.max(axis=1), p.argmax(axis=1)
    ece = 0.0
    for m in range(n_bins):
        lo, hi = m / n_bins, (m + 1) / n_bins
        inside = (conf > lo) & (conf <= hi) if m else (conf >= lo) & (conf <= hi)
        if inside.any():
            ece += inside.mean() * abs((pred[inside] == labels[inside]).mean() - conf[inside].mean())
    return float(ece)


def test_every_file_is_written_and_shown(runs):
    out = runs["out"]
    for name in FILES:
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    page = (out / "index.html").read_text()
    for name in PNGS:
        assert f"src='{name}'" in page
    assert (out / "tsne.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [p for p in out.parent.iterdir() if p.name.endswith(".tmp")]


def test_accuracy_matches_the_runs_own_evaluation(runs):
    metrics = json.loads((runs["run"] / "metrics.json").read_text())
    summary = runs["summary"]
    assert summary["target_split"] == metrics["tgt_eval_split"] == "target_val"  # val = test here
    assert summary["target_accuracy"] == pytest.approx(metrics["tgt_acc"], abs=1e-6)
    assert summary["target_mean_class_accuracy"] == pytest.approx(metrics["tgt_mean_class_acc"], abs=1e-6)


def test_per_class_confusion_and_ece_match_numpy_on_the_saved_features(runs):
    saved = np.load(runs["out"] / "features.npz")
    logits, labels = saved["target_logits"], saved["target_labels"]
    assert len(labels) == 539  # every image of the digits' target test split
    pred = logits.argmax(axis=1)
    matrix = np.zeros((10, 10), dtype=int)
    np.add.at(matrix, (labels, pred), 1)
    rows = read_csv(runs["out"] / "confusion_matrix.csv")
    assert np.array_equal(np.array([[int(r[str(c)]) for c in range(10)] for r in rows]), matrix)
    for row in read_csv(runs["out"] / "per_class_accuracy.csv"):
        c = int(row["class_index"])
        assert int(row["support"]) == (labels == c).sum()
        assert float(row["accuracy"]) == pytest.approx((pred[labels == c] == c).mean(), abs=1e-6)
    assert runs["summary"]["ece"] == pytest.approx(numpy_ece(logits.astype(np.float64), labels), abs=1e-6)
    bins = read_csv(runs["out"] / "reliability.csv")
    assert len(bins) == 15 and sum(int(b["count"]) for b in bins) == len(labels)


def test_domain_gap_matches_numpy_on_the_saved_features(runs):
    saved = np.load(runs["out"] / "features.npz")
    s = saved["source_features"].astype(np.float64)
    t = saved["target_features"][saved["gap_target_rows"]].astype(np.float64)
    assert len(s) == 400 and len(t) == 400
    gap = runs["summary"]["domain_gap"]["run"]
    assert gap["mmd_linear"] == pytest.approx(np.sum((s.mean(0) - t.mean(0)) ** 2), rel=1e-6)
    vs, vt = np.maximum(s.var(0), 1e-9), np.maximum(t.var(0), 1e-9)
    kl = 0.5 * np.sum(np.log(vt / vs) + (vs + (s.mean(0) - t.mean(0)) ** 2) / vt - 1.0)
    assert gap["klmvn_diag"] == pytest.approx(kl, rel=1e-5)
    assert -2.0 <= gap["proxy_a_distance"] <= 2.0
    rows = read_csv(runs["out"] / "domain_gap.csv")
    assert {r["run"] for r in rows} == {"run", "baseline"}
    assert {r["metric"] for r in rows} == {"proxy_a_distance", "klmvn_diag", "mmd_linear", "fid"}


def test_tsne_and_history_tables(runs):
    tsne = read_csv(runs["out"] / "tsne.csv")
    assert {(r["run"], r["domain"]) for r in tsne} == {
        (w, d) for w in ("this run", "baseline") for d in ("source", "target")
    }
    assert sum(r["run"] == "this run" and r["domain"] == "target" for r in tsne) == 150
    history = read_csv(runs["out"] / "history.csv")
    metrics = json.loads((runs["run"] / "metrics.json").read_text())
    assert [int(r["epoch"]) for r in history] == [h["epoch"] for h in metrics["history"]]
    assert float(history[-1]["val/tgt_acc"]) == pytest.approx(metrics["history"][-1]["val/tgt_acc"])


def test_cli_on_a_checkpoint_logs_progress_and_is_reproducible(runs, tmp_path, capsys):
    out = tmp_path / "from_ckpt"
    code = main(
        [
            str(runs["run"] / "checkpoints" / "best.ckpt"),
            "--out",
            str(out),
            "--max-per-domain",
            "400",
            "--tsne-per-domain",
            "150",
        ]
    )
    assert code == 0
    err = capsys.readouterr().err
    assert "[dalearn] dalearn-analyze: 100% (4/4 steps" in err and "run: target features" in err
    again, first = np.load(out / "features.npz"), np.load(runs["out"] / "features.npz")
    assert np.array_equal(again["tsne_source"], first["tsne_source"])  # fixed seed: same subsample, same map
    assert np.array_equal(again["source_index"], first["source_index"])


def test_the_headline_compares_the_run_with_its_baseline(runs):
    """Both accuracies come from each run's own evaluation (metrics.json, best.ckpt's epoch)."""
    summary = runs["summary"]
    run = json.loads((runs["run"] / "metrics.json").read_text())["tgt_acc"]
    base = json.loads((runs["baseline"] / "metrics.json").read_text())["tgt_acc"]
    assert summary["baseline_target"]["accuracy"] == pytest.approx(base, abs=1e-6)
    expected = f"DANN {100 * run:.1f} % vs Source Only {100 * base:.1f} %: {100 * (run - base):+.1f} points"
    assert summary["headline"] == expected
    assert summary["title"] == "DANN on digits_clean2drift (clean → drift) vs Source Only (baseline)"
    page = (runs["out"] / "index.html").read_text()
    assert page.index(expected) < page.index("Per-class accuracy") < page.index("Domain gap")  # the answer first
    for name in ["baseline_confusion_matrix.csv", "baseline_reliability.csv", "baseline_per_class_accuracy.csv"]:
        assert (runs["out"] / name).is_file(), name
    rows = read_csv(runs["out"] / "baseline_per_class_accuracy.csv")
    assert [float(r["accuracy"]) for r in rows] == pytest.approx(summary["baseline_target"]["per_class_accuracy"])


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


@pytest.mark.skipif(CHROMIUM is None, reason="needs a headless Chromium (Debian: apt-get install chromium)")
def test_the_page_renders_in_a_headless_browser(runs, tmp_path):
    """Debian's Chromium opens index.html: the headline numbers are in the rendered page and
    the screenshot is not blank."""
    page = (runs["out"] / "index.html").as_uri()
    flags = [*BROWSER_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,2400"]
    dom = subprocess.run([CHROMIUM, *flags, "--dump-dom", page], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    text = html.unescape(re.sub(r"<[^>]+>", " ", dom.stdout))
    assert runs["summary"]["headline"] in text and "Did adaptation help?" in text
    shot = tmp_path / "index.png"
    done = subprocess.run([CHROMIUM, *flags, f"--screenshot={shot}", page], capture_output=True, timeout=120)
    assert done.returncode == 0 and shot.is_file()
    from PIL import Image

    pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert pixels.shape == (2400, 1280) and pixels.std() > 10  # text and figures, not an empty page
