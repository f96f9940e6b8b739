"""The DataModule with cached images: per-image transforms in the workers by default, and the
batched augmentation after the host→device copy when asked (what training on a GPU does)."""

from __future__ import annotations

import pytest
import torch

from dalearn.data.benchmarks import benchmark_domain
from dalearn.data.benchmarks.fake_tree import make_fake_tree
from dalearn.data.datamodule import DomainAdaptationDataModule
from dalearn.data.transforms import eval_transform, train_transform


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    return make_fake_tree(
        "office31", tmp_path_factory.mktemp("office31"), images_per_class=2, num_classes=3, size=(48, 40)
    )


def datamodule(tree, cache=True, **kwargs) -> DomainAdaptationDataModule:
    def domain(key):
        return benchmark_domain("office31", tree, domain=key, cache=cache, cache_side=40)

    return DomainAdaptationDataModule(
        {"train": domain("A")},
        {"train": domain("W")},
        train_transform=train_transform(size=32, resize=40),
        eval_transform=eval_transform(32, 40),
        batch_size=4,
        iters_per_epoch=2,
        eval_batch_size=5,
        **kwargs,
    )


def test_on_device_augmentation_turns_cached_squares_into_normalised_crops(tree):
    dm = datamodule(tree, augment_on_gpu=True)
    loaders = dm.train_dataloader()
    source, target = next(iter(loaders["source"])), next(iter(loaders["target"]))
    assert source[0].dtype == torch.uint8 and tuple(source[0].shape) == (4, 3, 40, 40)
    batch = dm.on_after_batch_transfer({"source": source, "target": target}, 0)
    assert batch["source"][0].dtype == torch.float32 and tuple(batch["source"][0].shape) == (4, 3, 32, 32)
    assert tuple(batch["target"].shape) == (4, 3, 32, 32) and torch.equal(batch["source"][1], source[1])
    images, labels = next(iter(dm.val_dataloader()[0]))
    assert images.dtype == torch.uint8
    evaluated, same_labels = dm.on_after_batch_transfer([images, labels], 0)
    expected = torch.stack([eval_transform(32, 40)(image) for image in images])
    torch.testing.assert_close(evaluated, expected, atol=1e-5, rtol=0)
    assert torch.equal(same_labels, labels)


def test_without_a_gpu_the_workers_apply_the_transforms(tree):
    dm = datamodule(tree)
    source = next(iter(dm.train_dataloader()["source"]))
    assert source[0].dtype == torch.float32 and tuple(source[0].shape) == (4, 3, 32, 32)
    assert dm.on_after_batch_transfer({"source": source, "target": source[0]}, 0)["source"] is source


def test_on_device_augmentation_needs_cached_images(tree):
    dm = datamodule(tree, cache=None, augment_on_gpu=True)
    with pytest.raises(ValueError, match="data.augment_on_gpu=true needs cached datasets"):
        dm.train_dataloader()


def test_training_with_the_cache_and_batched_augmentation(tree, tmp_path):
    from hydra import compose, initialize_config_dir

    from dalearn.run.config import CONFIG_DIR
    from dalearn.run.training import train
    from tests.conftest import TINY_BENCHMARK_RUN

    overrides = [
        "experiment=office31/dann",
        "data.task=A2W",
        f"data.root={tree}",
        f"paths.run_dir={tmp_path / 'run'}",
        "data.cache=auto",
        "data.augment_on_gpu=true",
        *TINY_BENCHMARK_RUN,
    ]
    with initialize_config_dir(CONFIG_DIR, version_base="1.3"):
        cfg = compose("train", overrides=overrides)
    metrics, objects = train(cfg)
    dm = objects["datamodule"]
    # LeNet cannot take the loaders' uint8 squares: the run finishing means the hook augmented them
    assert dm._batch_augment and metrics["epochs"] == 1 and "tgt_acc" in metrics
    assert (tree / ".dalearn-cache").is_dir() and dm.source["train"].side == 40
