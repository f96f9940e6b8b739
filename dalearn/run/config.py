"""Hydra/OmegaConf glue: where the configs live, instantiation that keeps the constructor's
own errors, and warnings the command-line user cannot act on."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

from hydra.errors import InstantiationException
from hydra.utils import instantiate

import dalearn.run.resolvers  # noqa: F401  (registers ${source_domain:}, ${target_domain:}, ${run_hash:})

CONFIG_DIR = str(Path(__file__).resolve().parent.parent / "conf")


def build(node: Any, **kwargs: Any) -> Any:
    """``hydra.utils.instantiate(node, **kwargs)``, raising the constructor's own exception.

    Hydra wraps whatever a ``_target_`` raises in an ``InstantiationException`` whose message
    is the ``repr`` of the original; a user then reads "Error in call to target …" above the
    message that says what to fix. This re-raises the original exception (its type, message
    and traceback intact) with a note naming the config key it came from, so that
    ``FileNotFoundError``/``ValueError`` reach the user and the tests as themselves.
    """
    try:
        return instantiate(node, **kwargs)
    except InstantiationException as error:
        cause = error.__cause__
        if not isinstance(cause, Exception):
            raise
        key = re.search(r"full_key: (\S+)", str(error))
        if key and hasattr(cause, "add_note"):
            cause.add_note(f"(raised while building the config node {key.group(1)})")
        raise cause from None


def quiet_known_warnings() -> None:
    """Silence warnings the command-line user can do nothing about: Lightning's use of a
    torch pytree API that torch ≥ 2.10 deprecates (printed once per run otherwise)."""
    warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\)")
