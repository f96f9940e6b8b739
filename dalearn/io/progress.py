"""Progress for long commands: a tqdm bar in a terminal, a log line every few percent
otherwise (a CI log or ``train.log`` never gets a bar redrawn per item)."""

from __future__ import annotations

import logging
import sys
import time
from typing import Iterable, Iterator, Optional, TypeVar

T = TypeVar("T")
log = logging.getLogger("dalearn")


def _interactive(stream) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)())


def progress(
    items: Iterable[T],
    description: str,
    total: Optional[int] = None,
    unit: str = "it",
    every_percent: float = 5.0,
    stream=None,
) -> Iterator[T]:
    """Iterate over ``items``, showing progress as ``description``.

    In a terminal (``stream``, default stderr, is a TTY) a tqdm bar; otherwise an INFO line on
    the ``dalearn`` logger each time another ``every_percent`` of ``total`` is done (and at the
    end), e.g. ``verify office31: 40% (1628/4110 images, 12.3 s)``. Without a known total the
    log gets a line every 1000 items.
    """
    stream = sys.stderr if stream is None else stream
    if total is None:
        try:
            total = len(items)  # type: ignore[arg-type]
        except TypeError:
            total = None
    if _interactive(stream):
        from tqdm.auto import tqdm

        yield from tqdm(items, desc=description, total=total, unit=unit, file=stream, dynamic_ncols=True)
        return
    start = time.perf_counter()
    step = max(1, round(total * every_percent / 100)) if total else 1000
    done = 0
    next_report = step
    for item in items:
        yield item
        done += 1
        if done >= next_report or (total is not None and done == total):
            share = f"{100 * done / total:.0f}% ({done}/{total} {unit}" if total else f"{done} {unit} ("
            log.info("%s: %s, %.1f s)", description, share, time.perf_counter() - start)
            while next_report <= done:
                next_report += step
