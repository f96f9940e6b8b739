"""The paired-domain DataModule: splits, unlabelled target batches, class checks."""

from __future__ import annotations

import pytest
import torch

from dalearn.data import DomainAdaptationDataModule, TensorImageDataset


def domain(n: int, classes: list[str], offset: float = 0.0) -> TensorImageDataset:
    images = torch.rand(n, 3, 4, 4) + offset
    return TensorImageDataset(images, torch.arange(n) % len(classes), classes)


CLASSES = ["a", "b", "c"]


def make(**kwargs) -> DomainAdaptationDataModule:
    args = dict(
        source={"train": domain(40, CLASSES)},
        target={"train": domain(30, CLASSES, 1.0), "test": domain(12, CLASSES, 1.0)},
        batch_size=4,
        eval_batch_size=5,
        iters_per_epoch=3,
        source_holdout=0.25,
    )
    args.update(kwargs)
    return DomainAdaptationDataModule(**args)


def test_training_batches_pair_labelled_source_with_unlabelled_target():
    dm = make()
    loaders = dm.train_dataloader()
    source, target = next(iter(loaders["source"])), next(iter(loaders["target"]))
    x_s, y_s = source
    assert x_s.shape == (4, 3, 4, 4) and y_s.shape == (4,)
    assert torch.is_tensor(target) and target.shape == (4, 3, 4, 4)
    assert len(loaders["source"]) == len(loaders["target"]) == 3


def test_source_holdout_is_disjoint_from_source_training_and_fixed_by_split_seed():
    dm = make()
    assert len(dm._source_val_idx) == 10 and len(dm._source_train_idx) == 30
    assert set(dm._source_val_idx).isdisjoint(dm._source_train_idx)
    assert list(make(seed=5)._source_val_idx) == list(dm._source_val_idx)
    assert list(make(split_seed=1)._source_val_idx) != list(dm._source_val_idx)


def test_eval_roles_follow_the_splits():
    assert make().eval_roles == ["target_val", "source_val"]
    shared = make(target={"train": domain(30, CLASSES)}, source_holdout=0.0)
    assert shared.eval_roles == ["target_val"]
    assert [len(loader.dataset) for loader in shared.eval_dataloaders()] == [30]
    separate = make(target={"train": domain(30, CLASSES), "val": domain(7, CLASSES), "test": domain(12, CLASSES)})
    assert separate.eval_roles == ["target_val", "target_test", "source_val"]
    assert [len(loader.dataset) for loader in separate.eval_dataloaders()] == [7, 12, 10]


def test_class_count_mismatch_is_refused():
    with pytest.raises(ValueError, match="different"):
        make(target={"train": domain(30, ["a", "b"])})


def test_class_names_mismatch_is_refused():
    with pytest.raises(ValueError, match="different"):
        make(target={"train": domain(30, ["x", "y", "z"])})


def test_num_classes_must_match_the_data():
    with pytest.raises(ValueError, match="data.num_classes=5"):
        make(num_classes=5)


def test_missing_training_set_is_named():
    with pytest.raises(ValueError, match="data.target.train is missing"):
        make(target={"test": domain(5, CLASSES)})
