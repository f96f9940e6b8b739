"""Method options at work in a few training iterations through the real configs (``debug=fast``,
the offline default data): regularisers added from the command line are logged as
train/reg/<name>; self-training's strong target view and where it comes from. Every method
and variant, and each combination's own regulariser, trains in test_method_matrix.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from dalearn.run.training import train
from tests.conftest import logged


@pytest.mark.slow
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


@pytest.mark.slow
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
