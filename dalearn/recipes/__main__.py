"""``python -m dalearn.recipes --check | --write`` (see :mod:`dalearn.recipes.cli`)."""

from dalearn.recipes.cli import main

raise SystemExit(main())
