"""File and console utilities shared by every layer (standard library and tqdm only).

- :mod:`dalearn.io.atomic` — write a file or a folder so that a reader never sees it half
  written, and remove what a killed writer left behind;
- :mod:`dalearn.io.progress` — a progress bar in a terminal, a line every few percent in a log;
- :mod:`dalearn.io.console` — the logging set-up that lets those lines reach a command's console.
"""

from dalearn.io.atomic import (
    atomic_directory,
    atomic_path,
    atomic_write_bytes,
    atomic_write_json,
    atomic_write_text,
    remove_stale_temporaries,
    temporary_sibling,
)
from dalearn.io.console import configure_console_logging
from dalearn.io.progress import progress

__all__ = [
    "atomic_directory",
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "configure_console_logging",
    "progress",
    "remove_stale_temporaries",
    "temporary_sibling",
]
