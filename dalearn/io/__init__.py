"""File and console utilities shared by every layer (standard library and tqdm only).

- :mod:`dalearn.io.atomic` — write a file or a folder so that a reader never sees it half
  written, and remove what a killed writer left behind;
- :mod:`dalearn.io.progress` — a progress bar in a terminal, a line every few percent in a log;
- :mod:`dalearn.io.console` — the one console logging set-up: ``[dalearn] …`` lines on standard
  error, through Hydra's handlers under Hydra.
"""

from dalearn.io.atomic import (
    atomic_directory,
    atomic_path,
    atomic_write_bytes,
    atomic_write_json,
    atomic_write_text,
    discard_temporary,
    remove_stale_temporaries,
    temporary_sibling,
)
from dalearn.io.console import setup_logging
from dalearn.io.progress import progress

__all__ = [
    "atomic_directory",
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "discard_temporary",
    "progress",
    "remove_stale_temporaries",
    "setup_logging",
    "temporary_sibling",
]
