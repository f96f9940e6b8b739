"""data=custom with the data/source and data/target groups: every kind of domain composes
from command-line overrides, builds, and yields the batches and splits it promises."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from domain_fixtures import write_digit_folder, write_list

from dalearn.data.benchmarks.fake_tree import make_fake_tree
from dalearn.run.factory import build_datamodule

DIGITS = [str(i) for i in range(10)]


def datamodule(train_cfg, *overrides):
    return build_datamodule(train_cfg(["data=custom", *overrides]))


def first_batches(dm):
    loaders = dm.train_dataloader()
    (x_s, y_s), x_t = next(iter(loaders["source"])), next(iter(loaders["target"]))
    return x_s, y_s, x_t


def test_image_folder_to_drift_folder_with_held_out_target_test(train_cfg, digit_dirs):
    dm = datamodule(
        train_cfg,
        f"data.source.path={digit_dirs['source']}",
        "data/target=drift_folder",
        f"data.target.path={digit_dirs['drift']}",
        "data.target.test_fraction=0.25",
    )
    assert dm.classes == DIGITS and dm.num_classes == 10
    train, test = dm.target["train"], dm.target["test"]
    assert (len(train), len(test)) == (45, 15)
    assert set(train.indices).isdisjoint(test.indices)
    assert dm.eval_roles == ["target_val", "source_val"]  # val defaults to the test split
    assert len(dm.eval_dataloaders()[0].dataset) == 15
    x_s, y_s, x_t = first_batches(dm)
    assert x_s.shape == (8, 3, 28, 28) and x_t.shape == (8, 3, 28, 28)  # 28×28 → small: as stored, [0, 1]
    assert 0.0 <= float(x_s.min()) and float(x_s.max()) <= 1.0
    assert len(dm._source_val_idx) == 12  # source_holdout 0.1 of 120


def test_image_list_with_class_names_in_another_order_is_relabelled_by_name(train_cfg, digit_dirs, tmp_path):
    reversed_names = DIGITS[::-1]
    list_file = write_list(digit_dirs["target"], digit_dirs["root"] / "target_reversed.txt", reversed_names)
    classes_file = tmp_path / "classes.txt"
    classes_file.write_text("\n".join(reversed_names) + "\n")
    dm = datamodule(
        train_cfg,
        f"data.source.path={digit_dirs['source']}",
        "data/target=image_list",
        f"data.target.path={list_file}",
        f"data.target.classes={classes_file}",
    )
    target = dm.target["train"]
    assert target.classes == DIGITS
    stored = target.dataset
    for i in range(0, len(stored), 7):
        folder_name = stored.samples[i][0].split("/")[-2]
        assert stored[i][1] == reversed_names.index(folder_name)  # the list's own numbering
        assert target[i][1] == int(folder_name)  # the source's numbering


def test_image_list_without_names_uses_label_numbers(train_cfg, digit_dirs):
    list_file = write_list(digit_dirs["target"], digit_dirs["root"] / "target.txt", DIGITS)
    dm = datamodule(
        train_cfg,
        f"data.source.path={digit_dirs['source']}",
        "data/target=image_list",
        f"data.target.path={list_file}",
        "data.target.test_fraction=0.5",
    )
    assert dm.target["train"].classes == DIGITS and len(dm.target["test"]) == 40


def test_a_target_missing_a_source_class_is_named_unless_allowed(train_cfg, digit_dirs, tmp_path):
    partial = write_digit_folder(tmp_path / "partial", per_class=4, classes=range(8))
    overrides = [f"data.source.path={digit_dirs['source']}", f"data.target.path={partial}"]
    with pytest.raises(ValueError, match=r"data.target.train lacks the source classes '8', '9'.*allow_missing_classes"):
        datamodule(train_cfg, *overrides)
    dm = datamodule(train_cfg, *overrides, "data.allow_missing_classes=true")
    assert dm.num_classes == 10 and len(dm.target["train"]) == 32


def test_a_target_class_the_source_lacks_is_named(train_cfg, digit_dirs, tmp_path):
    extra = write_digit_folder(tmp_path / "extra", per_class=2)
    (extra / "9").rename(extra / "nine")
    with pytest.raises(ValueError, match=r"data.target.train has classes the source does not have.*'nine'"):
        datamodule(
            train_cfg,
            f"data.source.path={digit_dirs['source']}",
            f"data.target.path={extra}",
            "data.allow_missing_classes=true",
        )


def test_source_val_is_the_source_validation_set(train_cfg, digit_dirs):
    dm = datamodule(
        train_cfg,
        f"data.source.path={digit_dirs['source']}",
        f"data.source.val={digit_dirs['val']}",
        f"data.target.path={digit_dirs['target']}",
    )
    assert len(dm._source_train_idx) == 120 and len(dm._source_val_idx) == 0  # nothing held out of train
    assert dm.eval_roles == ["target_val", "source_val"]
    source_val = dm.eval_dataloaders()[1].dataset
    assert len(source_val) == 30
    assert sorted(int(source_val[i][1]) for i in range(30)) == sorted(list(range(10)) * 3)
    assert "+30 in source.val" in dm.describe()


def test_source_test_is_refused_not_ignored(digit_dirs):
    from dalearn.data import DomainAdaptationDataModule
    from dalearn.data.domains import image_folder

    source = image_folder(str(digit_dirs["source"]))
    source["test"] = source["train"]
    with pytest.raises(ValueError, match="data.source.test is given.*data.source.val"):
        DomainAdaptationDataModule(source, image_folder(str(digit_dirs["target"])))


def test_offline_source_mixes_with_a_folder_target(train_cfg, digit_dirs):
    dm = datamodule(
        train_cfg,
        "data/source=offline",
        "data.source.variant=clean",
        f"data.target.path={digit_dirs['target']}",
        f"data.target.test={digit_dirs['val']}",
    )
    assert dm.classes == DIGITS
    x_s, _, x_t = first_batches(dm)
    assert x_s.shape == x_t.shape == (8, 3, 28, 28)
    assert len(dm.target["test"]) == 30


def test_offline_target_uses_its_test_split(train_cfg, digit_dirs):
    dm = datamodule(train_cfg, f"data.source.path={digit_dirs['source']}", "data/target=offline")
    assert dm.eval_roles == ["target_val", "source_val"]
    assert len(dm.target["test"]) == 539 and len(dm.target["train"]) == 1258  # the digits' 30 % / 70 % split


def test_benchmark_domains_photos_get_the_recipe_transforms(train_cfg, tmp_path):
    root = make_fake_tree("office31", tmp_path / "office31", images_per_class=2, size=(96, 80))
    office31 = [
        "data/source=benchmark",
        "data.source.domain=office31:A",
        f"data.source.root={root}",
        "data/target=benchmark",
        "data.target.domain=office31:W",
        f"data.target.root={root}",
        "data.source_holdout=0",
    ]
    dm = datamodule(train_cfg, *office31)
    assert dm.num_classes == 31
    x_s, y_s, x_t = first_batches(dm)
    assert x_s.shape == x_t.shape == (8, 3, 224, 224)
    assert float(x_s.min()) < 0.0  # ImageNet normalisation
    small = datamodule(
        train_cfg,
        *office31,
        "data.train_transform=small",
        "data.eval_transform=small",
        "data.image_size=32",
    )
    assert first_batches(small)[0].shape == (8, 3, 32, 32)


def test_benchmark_domain_must_name_its_dataset(train_cfg, tmp_path):
    with pytest.raises(ValueError, match="dataset:domain, e.g. office31:A"):
        datamodule(train_cfg, "data/source=benchmark", "data.source.domain=A", f"data.target.path={tmp_path}")


def test_missing_folder_is_named(train_cfg, digit_dirs, tmp_path):
    with pytest.raises(FileNotFoundError, match=f"path={tmp_path / 'nowhere'} does not exist"):
        datamodule(train_cfg, f"data.source.path={tmp_path / 'nowhere'}", f"data.target.path={digit_dirs['target']}")


def test_photo_override_and_crop_size(train_cfg, digit_dirs):
    dm = datamodule(
        train_cfg,
        f"data.source.path={digit_dirs['source']}",
        f"data.target.path={digit_dirs['target']}",
        "data.train_transform=photo",
        "data.eval_transform=photo",
        "data.image_size=64",
    )
    x_s, _, _ = first_batches(dm)
    assert x_s.shape == (8, 3, 64, 64)
    eval_x = dm.eval_dataloaders()[0].dataset[0][0]
    assert eval_x.shape == (3, 64, 64)


def test_existing_configs_compose_as_before(train_cfg):
    cfg = train_cfg(["data=digits"])
    assert "allow_missing_classes" not in cfg.data and cfg.data.train_transform is None
    dm = build_datamodule(cfg)
    assert dm.train_transform is None and dm.classes == DIGITS
    x_s, y_s, x_t = first_batches(dm)
    assert torch.is_tensor(x_s) and x_s.shape == (8, 3, 28, 28)
    assert np.isclose(len(dm._source_val_idx), round(0.1 * 1258))
