"""Find validators by their short name.

Every module of :mod:`dalearn.validators` is scanned; each :class:`Validator` subclass it
defines with a non-empty ``name`` is registered. Adding a validator is adding one file: no
list to edit.

Example:
    >>> from dalearn.validators import build_validator, requires_source_holdout
    >>> validator = build_validator("ima")
    >>> validator.inputs, validator.needs_source
    (('target_probs',), False)
    >>> requires_source_holdout(["ima", "dev", "src_acc"])
    ['dev', 'src_acc']
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any, Iterable

from dalearn.validators.base import Validator


def validator_modules() -> list[str]:
    """Full names of the modules of the package (including private helper modules)."""
    package = importlib.import_module("dalearn.validators")
    return sorted(f"{package.__name__}.{info.name}" for info in pkgutil.iter_modules(package.__path__))


def available() -> dict[str, type[Validator]]:
    """{registry name: class} of every validator defined in the package's modules."""
    found: dict[str, type[Validator]] = {}
    for module_name in validator_modules():
        module = importlib.import_module(module_name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if not (issubclass(cls, Validator) and cls.__module__ == module_name and cls.name):
                continue
            if cls.name in found and found[cls.name] is not cls:
                raise RuntimeError(
                    f"two validators share the name {cls.name!r}: {found[cls.name].__module__}."
                    f"{found[cls.name].__name__} and {module_name}.{cls.__name__}; rename one"
                )
            found[cls.name] = cls
    return dict(sorted(found.items()))


def validator_class(name: str) -> type[Validator]:
    """The class registered under ``name``; a ValueError listing the known names otherwise."""
    known = available()
    if name not in known:
        raise ValueError(f"unknown validator {name!r}; known validators: {', '.join(known)}")
    return known[name]


def build_validator(name: str, **kwargs: Any) -> Validator:
    """A new validator ``name`` (e.g. ``"ima"``) built with ``kwargs``."""
    return validator_class(name)(**kwargs)


def requires_source_holdout(names: Iterable[str]) -> list[str]:
    """The names among ``names`` whose validator needs a labelled source hold-out
    (``needs_source``), in the order given; unknown names raise a ValueError. The harness
    refuses such a selection before training when ``data.source_holdout`` is 0."""
    names = [names] if isinstance(names, str) else list(names)
    return [name for name in names if validator_class(name).needs_source]
