"""The one console logging set-up of dalearn: its messages go through Python ``logging`` on
the ``dalearn`` logger and read ``[dalearn] <message>`` on standard error — the stream of
progress bars and diagnostics; standard output is left to a command's results (the tables of
``dalearn-collect``, the report of ``dalearn-data verify``). Every entry point and
``train(cfg)`` / ``evaluate(cfg)`` call :func:`setup_logging`.

- Under Hydra (``dalearn-train``, ``dalearn-eval``, ``dalearn-drift``), the root logger has
  Hydra's handlers — the console one formatted by :class:`ConsoleFormatter` and writing to
  standard error (``conf/hydra/default.yaml``), and the run's ``train.log``: dalearn's
  records and Lightning's (which Lightning otherwise prints through a handler of its own)
  propagate to them, so ``train.log`` holds what the console showed.
- Otherwise (``train(cfg)`` from Python, the argparse commands) the ``dalearn`` logger gets
  one handler of its own, on whatever ``sys.stderr`` is when a record is emitted (a test's
  capture, a notebook's stream); records still propagate, so an application's own root
  handlers (or pytest's ``caplog``) see them too.
- Under DDP only global rank zero speaks: the other processes would repeat every line.

Standard library only (the layer rule of :mod:`dalearn.io`): the rank comes from the launch
environment or, once Lightning is loaded, from its ``rank_zero_only.rank``.
"""

from __future__ import annotations

import logging
import os
import sys

LOGGER = "dalearn"
#: Lightning's loggers, sent to Hydra's handlers with dalearn's.
LIBRARY_LOGGERS = ("lightning", "lightning.pytorch", "lightning.fabric")
RANK_ENV = ("RANK", "SLURM_PROCID", "LOCAL_RANK")


class ConsoleFormatter(logging.Formatter):
    """``[dalearn] message`` for dalearn's loggers, the bare message for other libraries'
    (Lightning's lines look as Lightning prints them); the traceback of an error record."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info and record.levelno >= logging.ERROR:
            message = f"{message}\n{self.formatException(record.exc_info)}"
        if record.name == LOGGER or record.name.startswith(LOGGER + "."):
            return f"[dalearn] {message}"
        return message


class RankZeroFilter(logging.Filter):
    """Drop records in every process but global rank zero."""

    def filter(self, record: logging.LogRecord) -> bool:
        return global_rank() == 0


def global_rank() -> int:
    """Lightning's ``rank_zero_only.rank`` when Lightning is loaded and has set it, else the
    launcher's environment (``RANK``, ``SLURM_PROCID``, ``LOCAL_RANK``), else 0."""
    lightning = sys.modules.get("lightning.fabric.utilities.rank_zero")
    rank = getattr(getattr(lightning, "rank_zero_only", None), "rank", None)
    if rank is not None:
        return int(rank)
    for key in RANK_ENV:
        if os.environ.get(key, "").isdigit():
            return int(os.environ[key])
    return 0


class _StderrHandler(logging.StreamHandler):
    """A stream handler bound to whatever ``sys.stderr`` is when a record is emitted."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def _hydra_console() -> bool:
    """Whether the root logger already writes dalearn's console lines (Hydra's handlers,
    configured with :class:`ConsoleFormatter` by ``conf/hydra/default.yaml``)."""
    return any(isinstance(handler.formatter, ConsoleFormatter) for handler in logging.getLogger().handlers)


def setup_logging(level: int = logging.INFO) -> logging.Logger:
    """Make the ``dalearn`` logger's records reach the console as ``[dalearn] …`` lines on
    rank zero (see the module docstring); returns that logger. Idempotent."""
    logger = logging.getLogger(LOGGER)
    logger.setLevel(level)
    if not any(isinstance(f, RankZeroFilter) for f in logger.filters):
        logger.addFilter(RankZeroFilter())
    own = [handler for handler in logger.handlers if isinstance(handler, _StderrHandler)]
    if _hydra_console():
        for name in (LOGGER, *LIBRARY_LOGGERS):
            library = logging.getLogger(name)
            for handler in list(library.handlers):
                library.removeHandler(handler)
            library.propagate = True
        return logger
    if not own:
        handler = _StderrHandler(sys.stderr)
        handler.setFormatter(ConsoleFormatter())
        logger.addHandler(handler)
    logger.propagate = True
    return logger
