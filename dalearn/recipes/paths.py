"""Where the recipe tables, the config directory and the generated files live, and how a
path is shown in a message (relative to the folder holding the ``dalearn`` package)."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
TABLE_DIR = Path(__file__).resolve().parent
CONF_DIR = PACKAGE_DIR / "conf"
REFERENCE_FILE = PACKAGE_DIR / "tables" / "reference.json"
WRITE_COMMAND = "dalearn-recipes --write"


def shown(path: Path) -> str:
    """``…/dalearn/recipes/office31.yaml`` → ``dalearn/recipes/office31.yaml``; other paths as they are."""
    try:
        return Path(path).resolve().relative_to(PACKAGE_DIR.parent).as_posix()
    except ValueError:
        return str(path)
