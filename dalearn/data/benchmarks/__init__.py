"""The four benchmark datasets of the published tables: Office-31, Office-Home, VisDA-2017 and
DomainNet — their domains, task keys, list files, classes, expected counts and archives."""

from dalearn.data.benchmarks.domains import (
    DatasetNotReadyError,
    benchmark_domain,
    check_domain_files,
    resolve_domain,
)
from dalearn.data.benchmarks.registry import BENCHMARKS, get_benchmark
from dalearn.data.benchmarks.spec import BenchmarkSpec, Domain, Resource
from dalearn.data.benchmarks.tasks import all_tasks, parse_task, task_key

__all__ = [
    "BENCHMARKS",
    "BenchmarkSpec",
    "DatasetNotReadyError",
    "Domain",
    "Resource",
    "all_tasks",
    "benchmark_domain",
    "check_domain_files",
    "get_benchmark",
    "parse_task",
    "resolve_domain",
    "task_key",
]
