"""The drift-level study: paired KL, the domain gap on real images, and the plot files."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
import torch
from PIL import Image
from scipy.stats import spearmanr

from dalearn.drift.embeddings import Embedder
from dalearn.drift.plots import write_report
from dalearn.drift.report import drift_level_study, paired_kl

LEVELS = [round(0.1 * k, 1) for k in range(1, 11)]


def tiny_embedder() -> Embedder:
    """A 16-d random convolutional embedding: cheap enough for an FID per level."""
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.AdaptiveAvgPool2d(2), torch.nn.Flatten())
    model.out_features = 16
    return Embedder(model=model, image_size=16, batch_size=64)


def test_paired_kl_matches_its_definition() -> None:
    clean = torch.randn(5, 7, generator=torch.Generator().manual_seed(0))
    drifted = clean + 0.3 * torch.randn(5, 7, generator=torch.Generator().manual_seed(1))
    p, q = drifted.double().softmax(1), clean.double().softmax(1)
    torch.testing.assert_close(paired_kl(clean, drifted), (p * (p / q).log()).sum(1))
    assert torch.equal(paired_kl(clean, clean), torch.zeros(5, dtype=torch.float64))
    with pytest.raises(ValueError, match="same shape"):
        paired_kl(clean, drifted[:, :3])


@pytest.mark.slow
def test_gap_grows_with_default_level_on_fashion_mnist() -> None:
    """Real Fashion-MNIST test images embedded by the offline ImageNet-pretrained
    EfficientNet-Lite0 (48 px input to keep the test short). FID and Wasserstein are left to
    the benchmark (benchmarks/drift_gap.py, ρ = 0.991 and 1.000 on 500 images): per level,
    FID needs a 1280-d eigendecomposition and the Wasserstein sketch about a second of CPU."""
    from dalearn.data.offline import fashion_mnist

    try:
        images = fashion_mnist(split="test").images[:128, :1]
    except FileNotFoundError:
        if os.environ.get("DALEARN_REQUIRE_FASHION_MNIST"):
            raise
        pytest.skip("Fashion-MNIST is not installed (scripts/install-fashion-mnist.sh)")
    embedder = Embedder("efficientnet_lite0", image_size=48, batch_size=128)
    study = drift_level_study(images[:64], images[64:], embedder, LEVELS, metrics=["klmvn_diag", "mmd_linear"])
    for metric in ("klmvn_diag", "mmd_linear"):
        rho = spearmanr(LEVELS, study.gap_curve(metric))[0]
        assert rho >= 0.9, (metric, rho, study.gap_curve(metric))
    assert spearmanr(LEVELS, study.mean_kl_curve())[0] >= 0.9


def test_report_files(tmp_path: Path) -> None:
    images = torch.rand(40, 1, 16, 16, generator=torch.Generator().manual_seed(2))
    study = drift_level_study(images[:20], images[20:], tiny_embedder(), [0.0, 0.5, 1.0], batch_size=8)
    assert [(r["level"], r["batch"], r["n"]) for r in study.kl_rows[:3]] == [(0.0, 0, 8), (0.0, 1, 8), (0.0, 2, 4)]
    assert all(r["kl_mean"] == 0.0 for r in study.kl_rows if r["level"] == 0.0)
    files = write_report(study, tmp_path / "report")
    assert (
        sorted(p.name for p in (tmp_path / "report").iterdir())
        == sorted(p.name for p in files)
        == [
            "domain_gap.csv",
            "domain_gap.png",
            "paired_kl.csv",
            "paired_kl_box.png",
            "paired_kl_lines.png",
        ]
    )
    with open(tmp_path / "report" / "domain_gap.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3 * 4 and {r["metric"] for r in rows} == {"fid", "klmvn_diag", "mmd_linear", "wasserstein_1d"}
    for name in ("domain_gap.png", "paired_kl_box.png", "paired_kl_lines.png"):
        with Image.open(tmp_path / "report" / name) as image:
            assert image.format == "PNG" and image.width > 300


def test_study_rejects_bad_arguments() -> None:
    images = torch.rand(4, 1, 8, 8)
    embedder = tiny_embedder()
    with pytest.raises(ValueError, match="subset"):
        drift_level_study(images, images, embedder, [0.5], metrics=["psnr"])
    with pytest.raises(ValueError, match="drift_level"):
        drift_level_study(images, images, embedder, [1.5])
    with pytest.raises(ValueError, match="at least one level"):
        drift_level_study(images, images, embedder, [])
