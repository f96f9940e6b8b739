"""The benchmark datasets by name."""

from __future__ import annotations

from dalearn.data.benchmarks.domainnet import DOMAINNET
from dalearn.data.benchmarks.office31 import OFFICE31
from dalearn.data.benchmarks.office_home import OFFICE_HOME
from dalearn.data.benchmarks.spec import BenchmarkSpec
from dalearn.data.benchmarks.visda import VISDA

BENCHMARKS: dict[str, BenchmarkSpec] = {spec.name: spec for spec in (OFFICE31, OFFICE_HOME, VISDA, DOMAINNET)}

_ALIASES = {
    "office-31": "office31",
    "officehome": "office_home",
    "office-home": "office_home",
    "visda2017": "visda",
    "visda-2017": "visda",
}


def get_benchmark(name: str) -> BenchmarkSpec:
    """The spec of benchmark ``name`` (``office31``, ``office_home``, ``visda``, ``domainnet``)."""
    key = str(name).lower()
    key = _ALIASES.get(key, key)
    if key not in BENCHMARKS:
        raise ValueError(f"unknown benchmark dataset {name!r}; choose one of {', '.join(BENCHMARKS)}")
    return BENCHMARKS[key]
