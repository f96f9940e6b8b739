"""Public names, and no Lightning import anywhere in dalearn.ood (dalearn.metrics: tests/test_layers.py)."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
import torchmetrics

import dalearn.metrics
import dalearn.ood

ROOT = Path(dalearn.metrics.__file__).resolve().parents[1]


def test_public_names():
    for name in (
        "MaximumMeanDiscrepancy",
        "JointMaximumMeanDiscrepancy",
        "DomainAdversarialAccuracy",
        "DomainGap",
        "ProxyADistance",
    ):
        cls = getattr(dalearn.metrics, name)
        assert issubclass(cls, torchmetrics.Metric), name
        assert cls.full_state_update is False and cls.is_differentiable is False, name
    for name in ("domain_gap", "klmvn_diag", "mmd_linear", "fid", "wasserstein_1d", "maximum_mean_discrepancy"):
        assert inspect.isfunction(getattr(dalearn.metrics, name)), f"dalearn.metrics.{name} is not the function"
    assert dalearn.ood.DIME.__name__ == "DIME"


@pytest.mark.parametrize("package", ["ood"])  # dalearn.metrics: tests/test_layers.py (FORBIDDEN_THIRD_PARTY)
def test_no_lightning_imports(package):
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in ("lightning", "pytorch_lightning"), f"{path}: imports {name}"
