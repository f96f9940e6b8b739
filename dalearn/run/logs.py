"""The harness's messages go through Python ``logging`` on the ``dalearn`` logger.

On the console they read ``[dalearn] <message>`` as before; under Hydra they also reach the
run's ``train.log`` (Hydra's file handler on the root logger). Under DDP only rank zero
speaks: the other processes would repeat every line.
"""

from __future__ import annotations

import logging
import os
import sys

log = logging.getLogger("dalearn")


class ConsoleFormatter(logging.Formatter):
    """``[dalearn] message`` for dalearn's loggers, the bare message for other libraries'
    (Lightning's lines look as Lightning prints them)."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info and record.levelno >= logging.ERROR:
            message = f"{message}\n{self.formatException(record.exc_info)}"
        if record.name == "dalearn" or record.name.startswith("dalearn."):
            return f"[dalearn] {message}"
        return message


class RankZeroFilter(logging.Filter):
    """Drop records in every process but global rank zero (``RANK``/``LOCAL_RANK`` env, or
    Lightning's ``rank_zero_only.rank`` once a trainer has set it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return _global_rank() == 0


def _global_rank() -> int:
    try:
        from lightning.fabric.utilities.rank_zero import rank_zero_only

        rank = getattr(rank_zero_only, "rank", None)
        if rank is not None:
            return int(rank)
    except ImportError:
        pass
    for key in ("RANK", "SLURM_PROCID", "LOCAL_RANK"):
        if os.environ.get(key, "").isdigit():
            return int(os.environ[key])
    return 0


class _StdoutHandler(logging.StreamHandler):
    """A stream handler that writes to whatever ``sys.stdout`` is at the time of the call
    (pytest's capture and notebooks swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    @property
    def stream(self):  # type: ignore[override]
        return sys.stdout

    @stream.setter
    def stream(self, value) -> None:
        pass


LIBRARY_LOGGERS = ("lightning", "lightning.pytorch", "lightning.fabric")


def setup_logging() -> None:
    """Make the ``dalearn`` logger print ``[dalearn] …`` lines on rank zero.

    Under Hydra the root logger has handlers (the console, formatted by
    :class:`ConsoleFormatter`, and the run's ``train.log``): dalearn's records and
    Lightning's (which Lightning otherwise prints through a handler of its own) propagate to
    them, so ``train.log`` holds what the console showed. Without Hydra (``train(cfg)`` from
    Python) a stdout handler is added to the ``dalearn`` logger once.
    """
    log.setLevel(logging.INFO)
    if not any(isinstance(f, RankZeroFilter) for f in log.filters):
        log.addFilter(RankZeroFilter())
    if logging.getLogger().handlers:
        for name in ("dalearn", *LIBRARY_LOGGERS):
            logger = logging.getLogger(name)
            for handler in list(logger.handlers):
                logger.removeHandler(handler)
            logger.propagate = True
        return
    if any(isinstance(h, _StdoutHandler) for h in log.handlers):
        return
    for handler in list(log.handlers):
        log.removeHandler(handler)
    handler = _StdoutHandler()
    handler.setFormatter(ConsoleFormatter())
    log.addHandler(handler)
    log.propagate = False
