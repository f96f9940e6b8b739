"""The layers of dalearn point downwards only. The layer table is read from
docs/ARCHITECTURE.md — the one the document shows is the one checked — and every import of
every module in the package (read with ``ast``, lazy imports included) is checked against it:
a part imports only the parts its row lists, never the third-party packages its row forbids,
and every part has a row. Imports form no cycle, between parts or between modules; only the
CLI layer prints; the data never reads the model being fitted."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "dalearn"
ARCHITECTURE = ROOT / "docs" / "ARCHITECTURE.md"


def layer_table(
    text: str,
) -> tuple[dict[str, set[str]], dict[str, set[str]], dict[str, set[str]], dict[str, set[str]], set[str]]:
    """The table under "| part |" in ARCHITECTURE.md → (parts each part may import, modules of a
    part it may import when only some are allowed, third-party packages it must not import,
    modules excepted from that (module → the packages it may import), the parts every part may
    import)."""
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    header = next(line for line in text.splitlines() if line.startswith("| part |"))
    assert header.startswith("| part | may import"), header
    allowed: dict[str, set[str]] = {}
    modules: dict[str, set[str]] = {}
    forbidden: dict[str, set[str]] = {}
    exceptions: dict[str, set[str]] = {}
    shared: set[str] = set()
    names = {name for row in rows for name in re.findall(r"`([a-z_]+)`", row.split("|")[1])}
    for row in rows:
        _, parts, may, never, _ = row.split("|")
        row_parts = re.findall(r"`([a-z_]+)`", parts)
        if "imported by every part" in may:
            shared |= set(row_parts)
            may = may.replace("imported by every part", "")
        never, _, excepted = never.partition("(except")
        for module, packages in re.findall(r"`([a-z_.]+)`: ((?:`[a-z_]+`(?:, )?)+)", excepted):
            exceptions[f"dalearn.{module}"] = set(re.findall(r"`([a-z_]+)`", packages))
        may_names = re.findall(r"`([a-z_.]+)`", may)
        for part in row_parts:
            allowed[part] = set(names) if "every part" in may else {n for n in may_names if "." not in n}
            modules[part] = {f"dalearn.{n}" for n in may_names if "." in n}
            allowed[part] |= {n.split(".")[0] for n in may_names if "." in n}
            forbidden[part] = set(re.findall(r"`([a-z_]+)`", never))
    for part in allowed:
        allowed[part] |= shared - {part}
    return allowed, modules, forbidden, exceptions, shared


ALLOWED, ALLOWED_MODULES, FORBIDDEN_THIRD_PARTY, THIRD_PARTY_EXCEPTIONS, SHARED = layer_table(
    ARCHITECTURE.read_text(encoding="utf-8")
)


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = _modules()


def _imports(path: Path, module: str) -> set[str]:
    """Every name ``path`` imports: ``from a.b import c`` gives ``a.b`` and ``a.b.c``."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
                base = package[: len(package) - node.level + 1]
                names.add(".".join([*base, node.module] if node.module else base))
            elif node.module:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _part(module: str) -> str:
    return module.split(".")[1] if module.count(".") >= 1 else module


def _target_module(name: str) -> str | None:
    """The dalearn module an imported name lives in (``dalearn.nn.GaussianKernel`` → ``dalearn.nn``)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def test_the_table_is_read_from_the_document():
    assert {"cli", "run", "data", "drift", "methods", "io"} <= set(ALLOWED)
    assert ALLOWED["io"] == SHARED and "torch" in FORBIDDEN_THIRD_PARTY["io"]
    assert SHARED == {"_extras", "_require_train"}
    assert THIRD_PARTY_EXCEPTIONS["dalearn.io.trusted.checkpoints"] == {"torch"}
    assert ALLOWED_MODULES["nn"] == {"dalearn.io.trusted.checkpoints"}
    assert "selection" in ALLOWED["tables"] and "run" not in ALLOWED["selection"]
    assert "data" not in ALLOWED["drift"] and "methods" not in ALLOWED["data"] and "run" not in ALLOWED["data"]
    assert ALLOWED_MODULES["tables"] == {
        "dalearn.run.rundir",
        "dalearn.run.resolvers",
        "dalearn.run.selection",
        "dalearn.run.config",
    }
    assert ALLOWED["cli"] >= set(ALLOWED) - {"cli"}


def test_every_part_of_the_package_has_a_row_in_the_table():
    parts = {_part(name) for name in MODULES if name != "dalearn"}
    unplaced = sorted(parts - set(ALLOWED))
    assert not unplaced, f"add a row for {unplaced} to the layer table of docs/ARCHITECTURE.md"


@pytest.mark.parametrize("module", sorted(MODULES), ids=sorted(MODULES))
def test_imports_point_downwards(module):
    if module == "dalearn":
        return
    part, path = _part(module), MODULES[module]
    wrong = []
    for name in sorted(_imports(path, module)):
        top = name.split(".")[0]
        if top == "dalearn" and name.count("."):
            target = _part(name)
            if target == part or _target_module(name) == "dalearn":  # the package root: its version
                continue
            if target not in ALLOWED[part]:
                wrong.append(f"{name} ({part} may import only {sorted(ALLOWED[part]) or 'nothing of dalearn'})")
            elif target in {n.split(".")[1] for n in ALLOWED_MODULES[part]} and not any(
                name == m or name.startswith(m + ".") for m in ALLOWED_MODULES[part]
            ):
                wrong.append(f"{name} ({part} may use only {sorted(ALLOWED_MODULES[part])} of {target})")
        elif top in FORBIDDEN_THIRD_PARTY.get(part, ()) and top not in THIRD_PARTY_EXCEPTIONS.get(module, ()):
            wrong.append(f"{name} (third-party {top} is not allowed in dalearn.{part})")
    assert not wrong, f"{path.relative_to(ROOT)} imports upwards: {wrong}"


def _find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of ``graph`` as a path (first node repeated at the end), or []."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def _imported_modules(path: Path, module: str) -> set[str]:
    """The dalearn modules ``path`` imports: ``from package import submodule`` is the submodule
    (not the package's ``__init__``), ``from module import name`` the module."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(_target_module(alias.name) for alias in node.names if alias.name.startswith("dalearn"))
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level and node.module.startswith("dalearn"):
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in MODULES else _target_module(node.module))
    return found - {None, module}


def module_graph() -> dict[str, set[str]]:
    """Module → the dalearn modules it imports."""
    return {module: _imported_modules(path, module) for module, path in MODULES.items()}


def test_no_import_cycle_between_parts():
    parts = defaultdict(set)
    for module, targets in module_graph().items():
        parts[_part(module)] |= {_part(t) for t in targets if _part(t) != _part(module)}
    assert _find_cycle(parts) == []
    assert "data" not in parts["drift"], "dalearn.drift imports dalearn.data: the generator takes sources as objects"


def test_no_import_cycle_between_modules():
    assert _find_cycle(module_graph()) == []


def test_the_cycle_check_finds_a_cycle():
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _part(m) != "cli"), ids=lambda m: m)
def test_only_the_cli_layer_prints(module):
    """Messages go through the dalearn logger; results are printed by dalearn/cli/ alone."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    printing = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id == "print"]
    assert not printing, (
        f"{MODULES[module].relative_to(ROOT)} uses print on lines {printing}: log, or move it to dalearn/cli/"
    )


def test_the_data_never_reads_the_model_being_fitted():
    """What a method needs from its batches reaches the DataModule as constructor arguments
    (run/factory.py); a read of ``trainer.lightning_module`` would be a dependency the import
    check cannot see."""
    reads = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for module, path in MODULES.items()
        if _part(module) == "data"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute)
        and node.attr in ("lightning_module", "model")
        or isinstance(node, ast.Constant)
        and node.value == "lightning_module"
    ]
    assert not reads, reads


def test_the_layer_check_catches_an_upward_import(tmp_path):
    """The checker itself: a losses module importing Lightning and dalearn.methods is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text("import lightning\nfrom dalearn.methods import DANN\n")
    names = _imports(bad, "dalearn.losses.bad")
    assert "lightning" in names and "dalearn.methods" in names
    assert "methods" not in ALLOWED["losses"] and "lightning" in FORBIDDEN_THIRD_PARTY["losses"]
