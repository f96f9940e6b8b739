"""Optional dependencies: the one error a user sees when a part of dalearn needs an extra
that is not installed.

``pip install dalearn`` installs the light core (torch, torchmetrics, numpy, tqdm): enough for
:mod:`dalearn.losses`, :mod:`dalearn.nn`, :mod:`dalearn.metrics`, :mod:`dalearn.validators`
and :mod:`dalearn.ood` in a plain PyTorch loop. Everything else comes with an extra (see
``[project.optional-dependencies]`` in ``pyproject.toml``): a package that needs one calls
:func:`require` first, so a missing dependency fails at import with the line to run —

    ImportError: dalearn.run needs lightning, hydra, which are not installed: they come with
    dalearn's 'train' extra. Run: pip install 'dalearn[train]'

— instead of a bare ``No module named 'hydra'``. Standard library only, and cheap: it looks
the modules up (``importlib.util.find_spec``) without importing them.
"""

from __future__ import annotations

import importlib.util
import sys

__all__ = ["EXTRAS", "MissingExtraError", "missing_modules", "require"]

#: every extra and what it is for (the names of ``[project.optional-dependencies]``).
EXTRAS = {
    "train": "training and evaluation: Lightning, Hydra, torchvision, timm, Pillow, scikit-learn",
    "analysis": "dalearn-analyze and the result charts: matplotlib",
    "drift": "dalearn-drift and data=drifted: pyarrow, matplotlib",
    "cluster": "the Hydra launchers hydra/launcher=joblib|submitit_*",
    "search": "hparams_search=optuna: Hydra's Optuna sweeper",
    "tensorboard": "logger=tensorboard",
    "mlflow": "logger=mlflow",
    "wandb": "logger=wandb",
    "docs": "building the documentation site",
}


class MissingExtraError(ImportError):
    """A module that a dalearn extra provides is not installed."""


def _installed(module: str) -> bool:
    parts = module.split(".")
    for name in (".".join(parts[: i + 1]) for i in range(len(parts))):
        if name in sys.modules and sys.modules[name] is None:  # blocked: ``sys.modules[name] = None``
            return False
    if module in sys.modules:  # imported already
        return True
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package is missing, or half-imported
        return False


def missing_modules(*modules: str) -> list[str]:
    """Those of ``modules`` (importable names: ``PIL``, ``sklearn``, ``hydra``) that cannot be imported."""
    return [module for module in modules if not _installed(module)]


def require(extra: str, *modules: str, by: str = "this part of dalearn") -> None:
    """Raise :class:`MissingExtraError` naming ``pip install 'dalearn[<extra>]'`` when any of
    ``modules`` is not installed; ``by`` names what needs them (a module or a config option)."""
    if extra not in EXTRAS:
        raise ValueError(f"unknown dalearn extra {extra!r}; the extras are {sorted(EXTRAS)}")
    missing = missing_modules(*modules)
    if missing:
        these = ", ".join(missing)
        verb = "is" if len(missing) == 1 else "are"
        raise MissingExtraError(
            f"{by} needs {these}, which {verb} not installed: "
            f"{'it comes' if len(missing) == 1 else 'they come'} with dalearn's '{extra}' extra "
            f"({EXTRAS[extra]}). Run: pip install 'dalearn[{extra}]'",
            name=missing[0],
        )
