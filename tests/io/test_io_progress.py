"""dalearn.io.progress: a bar in a terminal, a few log lines otherwise — never a line per item."""

from __future__ import annotations

import contextlib
import io
import logging

import pytest

from dalearn.io import progress


class Records(logging.Handler):
    """Collects the ``dalearn`` logger's records directly (whatever another test did to propagation)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def caplog():
    logger = logging.getLogger("dalearn")
    handler, level = Records(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)

    class Captured:
        records = handler.records

        @staticmethod
        def at_level(*args, **kwargs):
            return contextlib.nullcontext()

    yield Captured
    logger.removeHandler(handler)
    logger.setLevel(level)


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_log_lines_every_five_percent_outside_a_terminal(caplog):
    with caplog.at_level(logging.INFO, logger="dalearn"):
        out = list(progress(range(400), "verify test", unit="images", stream=io.StringIO()))
    assert out == list(range(400))
    lines = [r.getMessage() for r in caplog.records if r.name == "dalearn"]
    assert 19 <= len(lines) <= 21, lines
    assert lines[-1].startswith("verify test: 100% (400/400 images")
    assert all("\r" not in line for line in lines)


def test_a_bar_in_a_terminal_and_no_log_lines(caplog):
    stream = FakeTerminal()
    with caplog.at_level(logging.INFO, logger="dalearn"):
        assert sum(progress(range(50), "drift", stream=stream)) == sum(range(50))
    assert "drift" in stream.getvalue() and "50/50" in stream.getvalue()
    assert not [r for r in caplog.records if r.name == "dalearn"]


def test_unknown_total_logs_every_thousand(caplog):
    with caplog.at_level(logging.INFO, logger="dalearn"):
        list(progress((i for i in range(2500)), "collect", stream=io.StringIO()))
    assert [r.getMessage().split(" (")[0] for r in caplog.records if r.name == "dalearn"] == [
        "collect: 1000 it",
        "collect: 2000 it",
    ]
