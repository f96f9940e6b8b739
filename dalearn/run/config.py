"""Hydra/OmegaConf glue: where the configs live, instantiation that keeps the constructor's
own errors (:func:`build`, from :mod:`dalearn.io.trusted.configs`, the one module that calls
Hydra's ``instantiate``), and warnings the command-line user cannot act on."""

from __future__ import annotations

import warnings
from pathlib import Path

import dalearn.run.resolvers  # noqa: F401  (registers ${source_domain:}, ${target_domain:}, ${run_hash:}, …)
from dalearn.io.trusted.configs import build

__all__ = ["CONFIG_DIR", "build", "quiet_known_warnings"]

CONFIG_DIR = str(Path(__file__).resolve().parent.parent / "conf")


def quiet_known_warnings() -> None:
    """Silence warnings the command-line user can do nothing about: Lightning's use of a
    torch pytree API that torch ≥ 2.10 deprecates (printed once per run otherwise)."""
    warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\)")
