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
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Optional

import lightning as L
import numpy as np
from torch.utils.data import DataLoader, Dataset

from dalearn.data.auto_transforms import first_image_size, resolve_transforms
from dalearn.data.class_matching import match_dataset
from dalearn.data.samplers import InfiniteBatchSampler, ShardSampler
from dalearn.data.views import TransformedView, dataset_classes

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
        seed: seed of the training streams.
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
        name: str = "custom",
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
        self.name = name
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
        if self.source["val"] is not None or len(self._source_val_idx):
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

    def _train_loader(self, view: Dataset, stream: int) -> DataLoader:
        rank, world = self._rank_world()
        sampler = InfiniteBatchSampler(
            len(view), self.batch_size, self.iters_per_epoch, seed=self.seed, stream=stream, rank=rank, world_size=world
        )
        return DataLoader(
            view, batch_sampler=sampler, num_workers=self.num_workers, pin_memory=self._pin(),
            persistent_workers=False,
        )

    def train_dataloader(self) -> dict[str, DataLoader]:
        source = TransformedView(self.source["train"], self.train_transform, self._source_train_idx)
        target = TransformedView(self.target["train"], self.train_transform, labelled=False)
        return {"source": self._train_loader(source, stream=0), "target": self._train_loader(target, stream=1)}

    def _eval_loader(self, view: Dataset) -> DataLoader:
        rank, world = self._rank_world()
        return DataLoader(
            view, batch_size=self.eval_batch_size, sampler=ShardSampler(len(view), rank, world),
            num_workers=self.num_workers, pin_memory=self._pin(),
        )

    def eval_dataloaders(self) -> list[DataLoader]:
        views = {
            "target_val": TransformedView(self._target_val(), self.eval_transform),
            "target_test": TransformedView(self._target_test(), self.eval_transform),
            "source_val": self._source_val_view(),
        }
        return [self._eval_loader(views[role]) for role in self.eval_roles]

    def _source_val_view(self) -> Dataset:
        if self.source["val"] is not None:
            return TransformedView(self.source["val"], self.eval_transform)
        return TransformedView(self.source["train"], self.eval_transform, self._source_val_idx)

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
