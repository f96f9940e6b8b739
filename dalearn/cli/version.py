"""``--version`` on every dalearn console script, from the one version source
(``dalearn.__version__``, which the wheel's metadata also reads).

The Hydra commands (``dalearn-train``, ``dalearn-eval``, ``dalearn-drift``) would otherwise
answer ``--version`` with Hydra's own version, so the flag is intercepted before
``hydra.main`` parses the command line: :func:`with_version_flag` is the outermost decorator
of each ``main``.
"""

from __future__ import annotations

import functools
import sys
from typing import Any, Callable, Sequence

from dalearn import __version__

__all__ = ["version_line", "with_version_flag"]


def version_line() -> str:
    """What ``--version`` prints: ``dalearn X.Y.Z``."""
    return f"dalearn {__version__}"


def _command_line(args: tuple, kwargs: dict) -> Sequence[str]:
    """The arguments this call will parse: an explicit ``argv`` list, else ``sys.argv[1:]``
    when the entry point is called bare (as a console script is); a ``main(cfg)`` call made
    with a composed config parses nothing."""
    if "argv" in kwargs:
        argv = kwargs["argv"]
    elif args:
        argv = args[0]
        if argv is not None and not isinstance(argv, (list, tuple)):
            return []  # called with a composed config (``main(cfg)``), not a command line
    else:
        argv = None
    return sys.argv[1:] if argv is None else list(argv)


def with_version_flag(main: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a console entry point so that ``--version`` prints :func:`version_line` and
    returns 0 without running the command."""

    @functools.wraps(main)
    def entry(*args: Any, **kwargs: Any) -> Any:
        if "--version" in _command_line(args, kwargs):
            print(version_line())
            return 0
        return main(*args, **kwargs)

    return entry
