"""Send dalearn's log lines (progress, notices) to the console of a command-line tool.

:func:`dalearn.io.progress.progress` writes, outside a terminal, an INFO line on the
``dalearn`` logger every few percent. Python drops INFO records of a logger nobody configured,
so every command-line entry point calls :func:`configure_console_logging` once: it gives the
``dalearn`` logger one handler that writes ``[dalearn] <message>`` lines to standard error
(the stream the progress bar uses; standard output stays for the command's results).

The handler looks ``sys.stderr`` up at every record, so a stream replaced after the call (a
test's capture, a redirected wrapper) still receives the lines. The call is idempotent and
does not touch the root logger, so it composes with Hydra's logging set-up.
"""

from __future__ import annotations

import logging
import sys

FORMAT = "[dalearn] %(message)s"


class _CurrentStderrHandler(logging.StreamHandler):
    """A stream handler bound to whatever ``sys.stderr`` is when a record is emitted."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def configure_console_logging(level: int = logging.INFO) -> logging.Logger:
    """Make INFO lines of the ``dalearn`` logger reach standard error as ``[dalearn] ...``;
    returns that logger. Calling it again changes nothing but the level."""
    logger = logging.getLogger("dalearn")
    logger.setLevel(level)
    if not any(isinstance(handler, _CurrentStderrHandler) for handler in logger.handlers):
        handler = _CurrentStderrHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        logger.addHandler(handler)
    logger.propagate = False
    return logger
