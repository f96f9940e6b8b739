"""The new methods and the combinations train a few iterations through the real configs
(``debug=fast``, the offline default data) with finite losses, and their own mechanics happen:
regularisers logged as train/reg/<name>, the strong target view, SHOT's two stages."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from dalearn.run.training import train

NEW_METHODS = [
    ("mcc", []),
    ("bnm", []),
    ("afn", []),
    ("afn", ["method.entropy_weight=0.1"]),
    ("self_training", []),
    ("self_training", ["method.distribution_alignment=true", "method.threshold=0.5"]),
    ("self_training_svhn", []),
    ("shot_source", []),
    ("cdan_mcc", []),
    ("dann_mcc", []),
    ("dann_bsp", []),
    ("cdan_bsp", []),
    ("mdd_bnm", []),
]


def logged(run_dir: Path, key: str) -> list[tuple[int, float]]:
    rows = []
    for path in sorted(run_dir.glob("logs/version_*/metrics.csv")):
        with path.open() as handle:
            for row in csv.DictReader(handle):
                if row.get(key):
                    rows.append((int(row["step"]), float(row[key])))
    return rows


@pytest.mark.parametrize(
    "method,extra", NEW_METHODS, ids=[f"{m}{'-' + '-'.join(e) if e else ''}" for m, e in NEW_METHODS]
)
def test_new_method_trains_with_finite_losses(train_cfg, method, extra):
    cfg = train_cfg([f"method={method}", *extra])
    metrics, objects = train(cfg)
    run_dir = Path(cfg.paths.run_dir)
    assert (run_dir / "done").is_file() and (run_dir / "checkpoints" / "last.ckpt").is_file()
    losses = logged(run_dir, "train/loss")
    assert len(losses) == 3 and all(math.isfinite(v) for _, v in losses), losses
    assert objects["trainer"].current_epoch == 1
    assert 0.0 <= metrics["tgt_acc"] <= 1.0


@pytest.mark.parametrize("method,regularizer", [("cdan_mcc", "mcc"), ("dann_bsp", "bsp"), ("mdd_bnm", "bnm")])
def test_combination_logs_its_regulariser(train_cfg, method, regularizer):
    cfg = train_cfg([f"method={method}"])
    train(cfg)
    values = logged(Path(cfg.paths.run_dir), f"train/reg/{regularizer}")
    assert len(values) == 3 and all(math.isfinite(v) for _, v in values)


def test_regulariser_added_from_the_command_line(train_cfg):
    cfg = train_cfg(["method=jan", "+method.regularizers.afn.weight=0.05", "+method.regularizers.im.weight=0.5"])
    train(cfg)
    run_dir = Path(cfg.paths.run_dir)
    assert len(logged(run_dir, "train/reg/afn")) == 3 and len(logged(run_dir, "train/reg/im")) == 3


def test_self_training_gets_a_strong_view_different_from_the_weak_one(train_cfg, monkeypatch):
    from dalearn.methods import SelfTraining

    seen = []
    original = SelfTraining.compute_losses

    def spy(self, x_s, y_s, x_t):
        seen.append((x_t["image"].clone(), x_t["strong"].clone()))
        return original(self, x_s, y_s, x_t)

    monkeypatch.setattr(SelfTraining, "compute_losses", spy)
    train(train_cfg(["method=self_training"]))
    assert len(seen) == 3
    for weak, strong in seen:
        assert weak.shape == strong.shape
        assert not (weak == strong).all()


def test_the_strong_view_is_the_methods_named_augmentation_unless_the_data_gives_one(train_cfg, monkeypatch):
    from torchvision.transforms import v2

    from dalearn.data.views import TargetViews

    strong_views = []
    original = TargetViews.__init__

    def spy(self, dataset, transform, views, strong=None):
        strong_views.append(strong)
        original(self, dataset, transform, views, strong)

    monkeypatch.setattr(TargetViews, "__init__", spy)
    train(train_cfg(["method=self_training"]))
    assert type(strong_views[-1]) is v2.RandAugment
    train(train_cfg(["method=self_training_svhn"], name="svhn"))
    assert type(strong_views[-1]) is v2.AutoAugment and strong_views[-1].policy == v2.AutoAugmentPolicy.SVHN
    train(train_cfg(["method=self_training", "method.strong_augmentation=trivialaugment"], name="trivial"))
    assert type(strong_views[-1]) is v2.TrivialAugmentWide
    given = "+data.strong_augmentation={_target_: torchvision.transforms.v2.RandomInvert, p: 1.0}"
    train(train_cfg(["method=self_training_svhn", given], name="given"))
    assert type(strong_views[-1]) is v2.RandomInvert


def test_an_unknown_strong_augmentation_is_refused_with_the_names(train_cfg):
    with pytest.raises(ValueError, match=r"method.strong_augmentation='autoaugment_mnist'.*randaugment"):
        train(train_cfg(["method=self_training", "method.strong_augmentation=autoaugment_mnist"]))
