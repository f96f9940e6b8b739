"""The run's experiment loggers from the ``logger`` config group: one logger (a node with a
``_target_``, as ``logger=csv``) or several at once (a node of named loggers, as
``logger=many_loggers``: ``{csv: {_target_: …}, mlflow: {_target_: …}}``; a name set to
``null`` is left out).

Before building, a logger whose package comes with an extra is checked, so that
``logger=tensorboard`` without TensorBoard stops with ``pip install 'dalearn[tensorboard]'``
instead of Lightning's message. MLflow's local file store (``tracking_uri: file:…``, what
``logger=mlflow`` writes under the run directory) is refused by MLflow 3 unless
``MLFLOW_ALLOW_FILE_STORE`` is set; choosing that config is the opt-in, so it is set then
(an explicit value in the environment is kept).
"""

from __future__ import annotations

import os
from typing import Any, Optional, Union

from omegaconf import DictConfig

from dalearn._extras import require
from dalearn.run.config import build

#: the end of a logger's ``_target_`` → (the extra that brings its package, the modules to check).
LOGGER_EXTRAS = {
    "TensorBoardLogger": ("tensorboard", ("tensorboard",)),
    "MLFlowLogger": ("mlflow", ("mlflow",)),
    "WandbLogger": ("wandb", ("wandb",)),
}


def logger_nodes(node: DictConfig) -> dict[str, DictConfig]:
    """The logger configs in ``node``: itself when it has a ``_target_``, else its named children."""
    if "_target_" in node:
        return {"logger": node}
    nodes = {str(name): child for name, child in node.items() if child is not None}
    missing = sorted(
        name for name, child in nodes.items() if not isinstance(child, DictConfig) or "_target_" not in child
    )
    if missing or not nodes:
        raise ValueError(
            f"logger: expected a logger config with a _target_ or named logger configs, each with a _target_; "
            f"{missing or 'nothing'} has none (choose logger=csv, tensorboard, mlflow, wandb or many_loggers)"
        )
    return nodes


def check_logger_package(name: str, node: DictConfig) -> None:
    """Raise the ``pip install 'dalearn[…]'`` error when the logger's package is missing."""
    target = str(node.get("_target_", ""))
    for suffix, (extra, modules) in LOGGER_EXTRAS.items():
        if target.endswith(suffix):
            key = "logger" if name == "logger" else f"logger.{name}"
            require(extra, *modules, by=f"{key} ({suffix})")


def build_loggers(node: DictConfig, resume_step: Optional[int] = None) -> Union[Any, list[Any]]:
    """The logger (or the list of loggers) the ``logger`` node configures, each continuing
    the earlier log of a resumed run (:func:`continue_logs`)."""

    nodes = logger_nodes(node)
    for name, child in nodes.items():
        check_logger_package(name, child)
        if str(child.get("_target_", "")).endswith("MLFlowLogger") and str(child.get("tracking_uri", "")).startswith(
            "file:"
        ):
            os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    loggers = [build(child, **continue_logs(child, resume_step)) for child in nodes.values()]
    return loggers[0] if "_target_" in node else loggers


def continue_logs(logger: DictConfig, resume_step: Optional[int]) -> dict[str, Any]:
    """Constructor arguments that make a resumed run's logger continue the earlier log:
    :class:`~dalearn.run.csv_logger.ContinuingCSVLogger` keeps the rows before
    ``resume_step``; TensorBoard's writer discards the events from ``resume_step`` on
    (``purge_step``). Other loggers get nothing."""
    if resume_step is None:
        return {}
    target = str(logger.get("_target_", ""))
    if target.endswith("ContinuingCSVLogger"):
        return {"resume_step": resume_step}
    if target.endswith("TensorBoardLogger"):
        return {"purge_step": resume_step}
    return {}
