"""Imported first (before Hydra) by the Hydra commands — ``dalearn-train``, ``dalearn-eval``,
``dalearn-drift`` — so that with only the core installed they stop with
``pip install 'dalearn[train]'`` instead of ``No module named 'hydra'``. ruff's import order
keeps it above the third-party imports (``[tool.ruff.lint.isort.sections]`` in pyproject.toml)."""

from dalearn._extras import require

require("train", "hydra", "omegaconf", "lightning", "torchvision", by="this dalearn command")
