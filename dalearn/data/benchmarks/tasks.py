"""Task keys: ``A2W`` (or ``A→W``, ``A->W``, ``amazon2webcam``) names a source and a target domain."""

from __future__ import annotations

from itertools import permutations
from typing import Optional, Sequence

from dalearn.data.benchmarks.spec import BenchmarkSpec, Domain

_ARROWS = ("→", "->")


def parse_task(spec: BenchmarkSpec, task: str) -> tuple[Domain, Domain]:
    """(source, target) domains of ``task``. Domain keys and names are both accepted."""
    task = str(task).strip()
    candidates = []
    for arrow in _ARROWS:
        if arrow in task:
            candidates.append(task.split(arrow, 1))
    candidates += [[task[:i], task[i + 1 :]] for i, char in enumerate(task) if char == "2"]
    for source, target in candidates:
        try:
            pair = spec.domain(source.strip()), spec.domain(target.strip())
        except ValueError:
            continue
        if pair[0] == pair[1]:
            raise ValueError(f"task {task!r} of {spec.name} has the same source and target domain {pair[0].key}")
        return pair
    examples = ", ".join(spec.tasks[:3])
    keys = ", ".join(domain.key for domain in spec.domains)
    raise ValueError(
        f"cannot read {task!r} as a task of {spec.title}: write SOURCE2TARGET with domain keys {keys} (e.g. {examples})"
    )


def task_key(source: Domain, target: Domain) -> str:
    """The canonical key of a task, ``A2W``."""
    return f"{source.key}2{target.key}"


def all_tasks(spec: BenchmarkSpec, domains: Optional[Sequence[str]] = None) -> list[str]:
    """Every ordered pair of distinct domains (of ``domains`` if given), as task keys."""
    chosen = [spec.domain(key) for key in domains] if domains is not None else list(spec.domains)
    return [task_key(source, target) for source, target in permutations(chosen, 2)]
