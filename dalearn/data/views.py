"""Dataset views used by the DataModule: apply a transform, hide the labels, take a subset."""

from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

from torch.utils.data import Dataset


def dataset_classes(dataset: Dataset) -> Optional[list[str]]:
    """The ``classes`` list of a dataset (looking through views), or None if it has none."""
    while True:
        classes = getattr(dataset, "classes", None)
        if classes is not None:
            return list(classes)
        inner = getattr(dataset, "dataset", None)
        if inner is None:
            return None
        dataset = inner


class TransformedView(Dataset):
    """(image, label) of ``dataset`` with ``transform`` applied to the image; optionally only
    ``indices``; with ``labelled=False`` only the image is returned (unlabelled target)."""

    def __init__(
        self,
        dataset: Dataset,
        transform: Optional[Callable] = None,
        indices: Optional[Sequence[int]] = None,
        labelled: bool = True,
    ) -> None:
        self.dataset = dataset
        self.transform = transform
        self.indices = None if indices is None else list(indices)
        self.labelled = labelled

    def __len__(self) -> int:
        return len(self.indices) if self.indices is not None else len(self.dataset)

    def __getitem__(self, index: int):
        image, label = self.dataset[self.indices[index] if self.indices is not None else index]
        if self.transform is not None:
            image = self.transform(image)
        return (image, label) if self.labelled else image


TARGET_VIEWS = ("strong", "index")


class TargetViews(Dataset):
    """Unlabelled target images as a dict of views, for methods that need more than the image:
    ``"image"`` — ``transform(image)``, as the plain target stream; ``"strong"`` —
    ``transform(strong(image))``, a strongly augmented copy (FixMatch's strong view);
    ``"index"`` — the image's index in ``dataset`` (pseudo-labels kept per image, SHOT)."""

    def __init__(
        self, dataset: Dataset, transform: Optional[Callable], views: Sequence[str], strong: Optional[Callable] = None
    ) -> None:
        unknown = sorted(set(views) - set(TARGET_VIEWS))
        if unknown:
            raise ValueError(f"unknown target views {unknown}; a method may ask for {list(TARGET_VIEWS)}")
        if "strong" in views and strong is None:
            raise ValueError("the 'strong' target view needs a strong augmentation (data.strong_augmentation)")
        self.dataset = dataset
        self.transform = transform
        self.views = tuple(views)
        self.strong = strong

    def __len__(self) -> int:
        return len(self.dataset)

    def _transformed(self, image: Any) -> Any:
        return self.transform(image) if self.transform is not None else image

    def __getitem__(self, index: int) -> dict[str, Any]:
        image, _ = self.dataset[index]
        item = {"image": self._transformed(image)}
        if "strong" in self.views:
            item["strong"] = self._transformed(self.strong(image))
        if "index" in self.views:
            item["index"] = index
        return item
