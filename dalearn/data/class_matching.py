"""Match the classes of several datasets by name, so that label ``i`` means the same class in
every domain.

The source training set's class list is the label space. Every other dataset's classes are
looked up by name: a class the source does not have is an error (its images could not be
scored), and so is a source class that a target dataset lacks — unless
``allow_missing_classes`` (a target that covers only part of the label space). A dataset whose
names are in another order is relabelled through :class:`RelabelledDataset`.
"""

from __future__ import annotations

from typing import Optional, Sequence

from torch.utils.data import Dataset


class ClassMismatchError(ValueError):
    """A dataset's classes do not fit the source's label space."""


class RelabelledDataset(Dataset):
    """``(image, mapping[label])`` of ``dataset``; ``classes`` is the reference class list."""

    def __init__(self, dataset: Dataset, mapping: Sequence[int], classes: Sequence[str]) -> None:
        self.dataset = dataset
        self.mapping = list(mapping)
        self.classes = list(classes)

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int):
        image, label = self.dataset[index]
        return image, self.mapping[int(label)]


def _short(names: Sequence[str]) -> str:
    return ", ".join(repr(n) for n in names[:6]) + (", …" if len(names) > 6 else "")


def label_mapping(
    reference: Sequence[str], classes: Sequence[str], name: str, allow_missing: bool = False
) -> Optional[list[int]]:
    """For each class of ``classes``, its index in ``reference``; None when the lists are equal.

    Raises :class:`ClassMismatchError` naming the classes ``name`` has that ``reference`` lacks,
    and (unless ``allow_missing``) the reference classes ``name`` lacks.
    """
    reference, classes = list(reference), list(classes)
    if reference == classes:
        return None
    duplicates = sorted({c for c in classes if classes.count(c) > 1})
    if duplicates:
        raise ClassMismatchError(f"{name} names the classes {_short(duplicates)} more than once")
    position = {c: i for i, c in enumerate(reference)}
    unknown = [c for c in classes if c not in position]
    if unknown:
        raise ClassMismatchError(
            f"{name} has classes the source does not have (different label spaces): {_short(unknown)}; "
            f"source classes: {_short(reference)}. Rename or remove those class folders/labels"
        )
    missing = [c for c in reference if c not in set(classes)]
    if missing and not allow_missing:
        raise ClassMismatchError(
            f"{name} lacks the source classes {_short(missing)} (different class lists: {len(classes)} vs "
            f"{len(reference)}); add them, or set data.allow_missing_classes=true to adapt to a target that "
            "has only some of the source's classes"
        )
    return [position[c] for c in classes]


def match_dataset(
    dataset: Dataset, reference: Sequence[str], classes: Sequence[str], name: str, allow_missing: bool = False
) -> Dataset:
    """``dataset`` with labels in ``reference``'s numbering (itself when they already are)."""
    mapping = label_mapping(reference, classes, name, allow_missing)
    return dataset if mapping is None else RelabelledDataset(dataset, mapping, reference)
