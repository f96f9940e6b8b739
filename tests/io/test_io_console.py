"""The one console logging set-up: ``[dalearn] …`` lines on the standard error of the moment,
one handler however often it is called, only global rank zero speaking, and — under Hydra,
whose root handlers carry the console formatter — no handler of its own (so no line twice)."""

from __future__ import annotations

import logging

import pytest

from dalearn.io import setup_logging
from dalearn.io.console import ConsoleFormatter, _StderrHandler


@pytest.fixture
def clean_logger():
    logger = logging.getLogger("dalearn")
    saved = (list(logger.handlers), list(logger.filters), logger.propagate, logger.level)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    yield logger
    logger.handlers[:], logger.filters[:] = saved[0], saved[1]
    logger.propagate, logger.level = saved[2], saved[3]


def test_lines_reach_stderr_once_however_often_it_is_set_up(clean_logger, capsys):
    setup_logging()
    setup_logging()
    logging.getLogger("dalearn.data.cache").info("built %d images", 3)
    out, err = capsys.readouterr()
    assert out == "" and err == "[dalearn] built 3 images\n"
    assert sum(isinstance(h, _StderrHandler) for h in clean_logger.handlers) == 1


def test_other_ranks_stay_silent(clean_logger, capsys, monkeypatch):
    monkeypatch.setenv("RANK", "1")
    import sys

    monkeypatch.delitem(sys.modules, "lightning.fabric.utilities.rank_zero", raising=False)
    setup_logging()
    logging.getLogger("dalearn").info("from rank one")
    assert capsys.readouterr().err == ""


def test_under_hydra_the_root_handlers_carry_the_lines(clean_logger, monkeypatch):
    root = logging.getLogger()
    hydra_console = logging.StreamHandler()
    hydra_console.setFormatter(ConsoleFormatter())
    monkeypatch.setattr(root, "handlers", [*root.handlers, hydra_console])
    setup_logging()
    assert not any(isinstance(h, _StderrHandler) for h in clean_logger.handlers) and clean_logger.propagate
    record = logging.LogRecord("dalearn.run", logging.INFO, __file__, 1, "saved", None, None)
    assert hydra_console.format(record) == "[dalearn] saved"
