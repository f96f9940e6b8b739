"""``python -m dalearn.cli.trusted --markdown``: print the list of trusted callables and
resolvers that docs/security.md shows (:func:`dalearn.io.trusted.render.markdown`)."""

from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

from dalearn.io.trusted.render import markdown


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dalearn.cli.trusted", description=__doc__.split("\n\n")[0])
    parser.add_argument("--markdown", action="store_true", help="print the list as docs/security.md shows it")
    parser.parse_args(argv)
    print(markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())
