"""The scripts of benchmarks/ as modules, for their tests (benchmarks/ is not a package)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def script_path(name: str) -> Path:
    """``benchmarks/<name>.py``."""
    return BENCHMARKS / f"{name}.py"


def load_benchmark(name: str, register: bool = False) -> ModuleType:
    """Import ``benchmarks/<name>.py`` as the module ``name``; ``register`` also puts it in
    ``sys.modules`` (for scripts whose dataclasses or pickles look their module up)."""
    spec = importlib.util.spec_from_file_location(name, script_path(name))
    module = importlib.util.module_from_spec(spec)
    if register:
        sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
