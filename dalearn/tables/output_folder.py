"""The folder ``dalearn-collect`` and ``dalearn-select`` write their tables into: one they made
(it carries dalearn's ownership marker) or a new or empty one — never a folder of someone
else's, whose ``summary.md`` or ``oracle.csv`` would otherwise be overwritten by name.

A folder an earlier dalearn version wrote before markers existed holds nothing but table files
named after a selection rule or ``summary`` (``oracle.md``, ``src_val.tex``, ``ima.png``, …),
possibly one sub-folder per group of them; it is recognised by that and marked. A ``thesis.tex``
or ``notes.md`` beside them makes the folder someone else's."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from dalearn.io.ownership import claim
from dalearn.selection.rules import all_rules

TABLE_SUFFIXES = (".md", ".csv", ".tex", ".png")


def _only_tables(names: set[str]) -> Callable[[Path], bool]:
    """A ``legacy`` predicate: the folder holds only ``<name>.<table suffix>`` files (and
    sub-folders of them, one level deep), at least one."""

    def holds_only_tables(folder: Path, depth: int = 1) -> bool:
        entries = list(folder.iterdir())
        for entry in entries:
            if entry.is_symlink():
                return False
            if entry.is_dir():
                if depth == 0 or not holds_only_tables(entry, depth - 1):
                    return False
            elif entry.suffix not in TABLE_SUFFIXES or entry.stem not in names:
                return False
        return bool(entries)

    return holds_only_tables


def claim_tables_folder(out: Path, kind: str, command: str, default: str) -> Path:
    """Make sure ``command`` may write its ``kind`` (``tables`` or ``selection``) files into
    ``out``; raises :class:`~dalearn.io.ownership.ForeignFolderError` naming the folder and what
    it holds otherwise, before anything is written."""
    advice = f"give {command} another --out, or leave --out out (the default is SWEEP_DIR/{default})"
    return claim(out, kind, advice, legacy=_only_tables({*all_rules(), "ensv", "summary"}))
