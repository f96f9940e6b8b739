"""The paired-domain LightningDataModule: labelled source + unlabelled target.

Training batches are dicts ``{"source": (x_s, y_s), "target": x_t}`` — the target labels are
never loaded for training. Evaluation loaders, in order (see :attr:`eval_roles`):

- ``target_val``  — target data used for model selection (``target.val``; defaults to
  ``target.test``, the published convention on Office-31/Office-Home/VisDA);
- ``target_test`` — held-out target data that is reported, when it differs from ``target_val``;
- ``source_val``  — labelled source images for source-validation model selection:
  ``source.val`` when given, else a held-out split of the source training set
  (``source_holdout`` of it, drawn with ``split_seed``).

Classes are matched by name (:mod:`dalearn.data.class_matching`): the source training set's
class list is the label space and every other dataset is relabelled into it. Transforms may be
named by style (``auto``, ``small``, ``photo``; :mod:`dalearn.data.auto_transforms`), chosen
from the size of the source's first image.

With cached images (``data.cache``, :mod:`dalearn.data.cache`) and training on a GPU, the
loaders deliver the cached uint8 squares and the augmentation runs batched on the GPU in
:meth:`DomainAdaptationDataModule.on_after_batch_transfer` (Lightning calls it after moving a
batch to the device): the CPU workers only copy pixels out of the memory map.

What the training batches hold is told, not asked: the run's factory reads what the method
needs from the method's class and config and passes it as three plain arguments —
``uses_source=False`` (a source-free method such as SHOT's adaptation stage: no source stream
and no ``source_val``, so no source image is ever loaded) and ``target_views`` (``"strong"``:
a strongly augmented copy of each target image, ``strong_augmentation`` then
``train_transform``; ``"index"``: its index in the target training set), which turn the
target batch into a dict ``{"image": x_t, "strong": …, "index": …}`` (per image in the loader
workers: such a method needs ``augment_on_gpu`` off). The DataModule never looks at the model.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Optional, Sequence

import lightning as L
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset
from torchvision.transforms import v2

from dalearn.data.auto_transforms import first_image_size, resolve_transforms
from dalearn.data.cache.dataset import cached_path
from dalearn.data.class_matching import match_dataset
from dalearn.data.samplers import InfiniteBatchSampler, ShardSampler
from dalearn.data.views import TargetViews, TransformedView, dataset_classes

SPLITS = {"source": ("train", "val"), "target": ("train", "val", "test")}


def _domain(spec: Optional[Mapping[str, Any]], role: str) -> dict[str, Optional[Dataset]]:
    if spec is None or spec.get("train") is None:
        raise ValueError(f"data.{role}.train is missing: the {role} domain needs a training dataset")
    if role == "source" and spec.get("test") is not None:
        raise ValueError(
            "data.source.test is given, but a source test set has no use here: the reported numbers are on the "
            "target. Give labelled source images for model selection as data.source.val, or remove data.source.test"
        )
    unknown = set(spec) - set(SPLITS[role]) - {"test"}
    if unknown:
        raise ValueError(f"data.{role} has unknown keys {sorted(unknown)}; expected {', '.join(SPLITS[role])}")
    return {key: spec.get(key) for key in ("train", "val", "test")}


class DomainAdaptationDataModule(L.LightningDataModule):
    """Pairs a labelled source domain with an unlabelled target domain.

    Args:
        source: ``{"train": Dataset, "val": Dataset | None}`` — datasets yield (image, label);
            ``val``, when given, is the source validation set (``source_holdout`` is then not
            taken from ``train``).
        target: ``{"train": Dataset, "val": Dataset | None, "test": Dataset | None}``; when
            ``test`` is None the target training images are also the test set (published
            convention for Office-31/Office-Home/VisDA); ``val`` defaults to ``test``.
        num_classes: expected number of classes; checked against the datasets' ``classes``.
        allow_missing_classes: accept target datasets that lack some source classes.
        train_transform / eval_transform: applied to every image (None = as stored); or a
            style name, ``auto`` (by the image size), ``small`` or ``photo``.
        image_size: side of the images the style transforms produce (``small``: default the
            source's; ``photo``: the crop, default 224).
        batch_size: per-domain batch size per process.
        iters_per_epoch: training iterations per epoch.
        source_holdout: fraction of the source training set held out for ``source_val``
            (0 disables source-validation selection).
        split_seed: seed of the holdout split (fixed across run seeds, so every run of a
            sweep validates on the same images).
        pin_memory: page-locked batches for faster host→GPU copies; None = when training on a GPU.
        augment_on_gpu: run the transforms batched on the device after the host→device copy
            (needs cached datasets and the recipe transforms); None = when training on a GPU
            and both are there; False = always per image in the loader workers.
        seed: seed of the training streams.
        uses_source: False builds no source stream and no ``source_val`` (a source-free method).
        target_views: extra views of each target training image: ``"strong"``, ``"index"``.
        strong_augmentation: the strong augmentation of the ``"strong"`` target view, applied
            before ``train_transform`` (the factory passes the method's, e.g. self-training's
            ``method.strong_augmentation``; ``data.strong_augmentation`` overrides it). None:
            ``torchvision.transforms.v2.RandAugment()`` as in FixMatch; either takes PIL
            images and image tensors alike.
        name: a label for run directories and tables.
    """

    def __init__(
        self,
        source: Mapping[str, Any],
        target: Mapping[str, Any],
        num_classes: Optional[int] = None,
        train_transform: Optional[Callable] = None,
        eval_transform: Optional[Callable] = None,
        batch_size: int = 32,
        eval_batch_size: int = 256,
        iters_per_epoch: int = 500,
        num_workers: int = 0,
        source_holdout: float = 0.1,
        split_seed: int = 0,
        seed: int = 0,
        pin_memory: Optional[bool] = None,
        augment_on_gpu: Optional[bool] = None,
        name: str = "custom",
        strong_augmentation: Optional[Callable] = None,
        uses_source: bool = True,
        target_views: Sequence[str] = (),
        allow_missing_classes: bool = False,
        image_size: Optional[int] = None,
        **info: Any,
    ) -> None:
        super().__init__()
        self.source = _domain(source, "source")
        self.target = _domain(target, "target")
        if not 0.0 <= source_holdout < 1.0:
            raise ValueError(f"data.source_holdout must be in [0, 1), got {source_holdout}")
        self.allow_missing_classes = bool(allow_missing_classes)
        self.batch_size = batch_size
        self.eval_batch_size = eval_batch_size
        self.iters_per_epoch = iters_per_epoch
        self.num_workers = num_workers
        self.source_holdout = source_holdout
        self.split_seed = split_seed
        self.seed = seed
        self.pin_memory = pin_memory
        self.augment_on_gpu = augment_on_gpu
        self._batch_augment: dict[str, Any] = {}
        self._augment_generator: Optional[torch.Generator] = None
        self.name = name
        self.strong_augmentation = strong_augmentation
        self.uses_source = bool(uses_source)
        self.target_views = tuple(target_views)
        self.info = info
        self.classes = self._match_classes(num_classes)
        self.num_classes = len(self.classes) if self.classes is not None else int(num_classes)
        self.train_transform, self.eval_transform = resolve_transforms(
            train_transform, eval_transform, image_size, lambda: first_image_size([self.source["train"]])
        )
        self._source_train_idx, self._source_val_idx = self._holdout_split()

    def _match_classes(self, num_classes: Optional[int]) -> Optional[list[str]]:
        """The label space (the first class list found, the source training set's when it has
        one); every other dataset with ``classes`` is relabelled into it by name."""
        found = {
            (role, key): classes
            for role, domain in (("source", self.source), ("target", self.target))
            for key, dataset in domain.items()
            if dataset is not None and (classes := dataset_classes(dataset)) is not None
        }
        classes = next(iter(found.values())) if found else None
        for (role, key), own in found.items():
            domain = self.source if role == "source" else self.target
            allow = self.allow_missing_classes and (role, key) != ("source", "train")
            domain[key] = match_dataset(domain[key], classes, own, f"data.{role}.{key}", allow)
        if num_classes is not None and classes is not None and num_classes != len(classes):
            raise ValueError(
                f"data.num_classes={num_classes} but the datasets have {len(classes)} classes; fix data.num_classes"
            )
        if classes is None and num_classes is None:
            raise ValueError("cannot tell the number of classes: set data.num_classes")
        return classes

    def _holdout_split(self) -> tuple[np.ndarray, np.ndarray]:
        n = len(self.source["train"])
        if self.source["val"] is not None:
            return np.arange(n), np.arange(0)
        order = np.random.default_rng(self.split_seed).permutation(n)
        n_val = int(round(self.source_holdout * n))
        return np.sort(order[n_val:]), np.sort(order[:n_val])

    @property
    def eval_roles(self) -> list[str]:
        """Names of the evaluation loaders, in the order :meth:`val_dataloader` returns them."""
        roles = ["target_val"]
        if self._target_test() is not self._target_val():
            roles.append("target_test")
        if (self.source["val"] is not None or len(self._source_val_idx)) and self.uses_source:
            roles.append("source_val")
        return roles

    def _target_test(self) -> Dataset:
        return self.target["test"] if self.target["test"] is not None else self.target["train"]

    def _target_val(self) -> Dataset:
        return self.target["val"] if self.target["val"] is not None else self._target_test()

    def _rank_world(self) -> tuple[int, int]:
        trainer = getattr(self, "trainer", None)
        if trainer is None:
            return 0, 1
        return trainer.global_rank, trainer.world_size

    def _pin(self) -> bool:
        if self.pin_memory is not None:
            return bool(self.pin_memory)
        trainer = getattr(self, "trainer", None)
        return trainer is not None and trainer.accelerator.__class__.__name__ == "CUDAAccelerator"

    def _datasets(self) -> list[Dataset]:
        return [d for domain in (self.source, self.target) for d in domain.values() if d is not None]

    def _on_device(self) -> bool:
        """Whether the transforms run batched on the device (see ``augment_on_gpu``)."""
        if self.augment_on_gpu is False:
            return False
        cached = all(cached_path(dataset) is not None for dataset in self._datasets())
        batchable = all(hasattr(t, "batched") for t in (self.train_transform, self.eval_transform))
        if self.augment_on_gpu and not (cached and batchable):
            raise ValueError(
                "data.augment_on_gpu=true needs cached datasets (data.cache=auto or a folder) and the recipe "
                "transforms (dalearn.data.transforms.train_transform / eval_transform); set data.augment_on_gpu=null"
            )
        return cached and batchable and (bool(self.augment_on_gpu) or self._pin())

    def _transforms(self) -> tuple[Optional[Callable], Optional[Callable]]:
        """(train, eval) transforms for the loader workers; None where the device applies them."""
        if not self._on_device():
            self._batch_augment = {}
            return self.train_transform, self.eval_transform
        self._batch_augment = {"train": self.train_transform.batched(), "eval": self.eval_transform.batched()}
        if self._augment_generator is None:
            rank, _ = self._rank_world()
            self._augment_generator = torch.Generator().manual_seed(int(self.seed) * 1_000_003 + rank)
        return None, None

    def on_after_batch_transfer(self, batch: Any, dataloader_idx: int) -> Any:
        """Apply the augmentation batched on the device when the loaders deliver cached uint8
        squares (training dicts and evaluation ``(x, y)``); otherwise return ``batch`` as is."""
        if not self._batch_augment:
            return batch
        if isinstance(batch, dict):
            augment = self._batch_augment["train"]
            out = {**batch, "target": augment(batch["target"], self._augment_generator)}
            if "source" in batch:
                images, labels = batch["source"]
                out["source"] = [augment(images, self._augment_generator), labels]
            return out
        images, labels = batch
        return [self._batch_augment["eval"](images), labels]

    def _train_loader(self, view: Dataset, stream: int) -> DataLoader:
        rank, world = self._rank_world()
        sampler = InfiniteBatchSampler(
            len(view), self.batch_size, self.iters_per_epoch, seed=self.seed, stream=stream, rank=rank, world_size=world
        )
        return DataLoader(
            view,
            batch_sampler=sampler,
            num_workers=self.num_workers,
            pin_memory=self._pin(),
            persistent_workers=False,
        )

    def train_dataloader(self) -> dict[str, DataLoader]:
        views = self.target_views
        transform, _ = self._transforms()
        if views:
            if self._batch_augment:
                raise ValueError(
                    f"the method asks for target views {sorted(views)}, which are made per image in the loader "
                    "workers; set data.augment_on_gpu=false"
                )
            strong = (self.strong_augmentation or v2.RandAugment()) if "strong" in views else None
            target = TargetViews(self.target["train"], transform, views, strong)
        else:
            target = TransformedView(self.target["train"], transform, labelled=False)
        loaders = {"target": self._train_loader(target, stream=1)}
        if self.uses_source:
            source = TransformedView(self.source["train"], transform, self._source_train_idx)
            loaders = {"source": self._train_loader(source, stream=0), **loaders}
        return loaders

    def target_inference_loader(self) -> DataLoader:
        """The target training images in order, with ``eval_transform`` and without labels,
        for a method that labels the whole target set (SHOT's clustering); every process
        reads all of them."""
        view = TransformedView(self.target["train"], self.eval_transform, labelled=False)
        return DataLoader(view, batch_size=self.eval_batch_size, num_workers=self.num_workers, pin_memory=self._pin())

    def _eval_loader(self, view: Dataset) -> DataLoader:
        rank, world = self._rank_world()
        return DataLoader(
            view,
            batch_size=self.eval_batch_size,
            sampler=ShardSampler(len(view), rank, world),
            num_workers=self.num_workers,
            pin_memory=self._pin(),
        )

    def eval_dataloaders(self) -> list[DataLoader]:
        _, transform = self._transforms()
        views = {
            "target_val": TransformedView(self._target_val(), transform),
            "target_test": TransformedView(self._target_test(), transform),
            "source_val": self._source_val_view(transform),
        }
        return [self._eval_loader(views[role]) for role in self.eval_roles]

    def _source_val_view(self, transform: Optional[Callable]) -> Dataset:
        if self.source["val"] is not None:
            return TransformedView(self.source["val"], transform)
        return TransformedView(self.source["train"], transform, self._source_val_idx)

    def val_dataloader(self) -> list[DataLoader]:
        return self.eval_dataloaders()

    def test_dataloader(self) -> list[DataLoader]:
        return self.eval_dataloaders()

    def describe(self) -> str:
        """One line per split with its size, for the start-of-run summary."""
        lines = [
            f"source train: {len(self._source_train_idx)} labelled images"
            + (f" (+{len(self._source_val_idx)} held out for source_val)" if len(self._source_val_idx) else "")
            + (f" (+{len(self.source['val'])} in source.val)" if self.source["val"] is not None else ""),
            f"target train: {len(self.target['train'])} unlabelled images",
            f"target val:   {len(self._target_val())} images"
            + ("" if "target_test" in self.eval_roles else " (also the reported test set)"),
        ]
        if "target_test" in self.eval_roles:
            lines.append(f"target test:  {len(self._target_test())} images")
        return "\n".join(lines)
