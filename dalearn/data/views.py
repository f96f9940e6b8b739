"""Dataset views used by the DataModule: apply a transform, hide the labels, take a subset."""

from __future__ import annotations

from typing import Callable, Optional, Sequence

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
