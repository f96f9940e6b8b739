from __future__ import annotations

import pytest
from domain_fixtures import write_digit_folder, write_drift_folder


@pytest.fixture(scope="session")
def digit_dirs(tmp_path_factory):
    """A source folder, a disjoint target folder, a validation folder and a drift folder."""
    root = tmp_path_factory.mktemp("digit_domains")
    source = write_digit_folder(root / "A", per_class=12)
    target = write_digit_folder(root / "B", per_class=8, offset=12)
    val = write_digit_folder(root / "A_val", per_class=3, offset=40)
    drift = write_drift_folder(target, root / "B_drift", samples=60)
    return {"root": root, "source": source, "target": target, "val": val, "drift": drift}
