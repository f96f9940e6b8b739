"""The layers of dalearn point downwards only (docs/ARCHITECTURE.md): every import of every
module in the package is read with ``ast`` and checked against the table below. A new
package must be added to the table, so that its place in the layering is a decision."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "dalearn"

#: the command-line entry points: nothing else may import them.
CLI_MODULES = {
    "dalearn.train",
    "dalearn.eval",
    "dalearn.collect",
    "dalearn.select",
    "dalearn.analyze",
    "dalearn.data.cli",
    "dalearn.drift.cli",
    "dalearn.recipes.cli",
    "dalearn.recipes.__main__",
}
#: for each top-level part of dalearn, the other parts it may import (CLIs excepted).
ALLOWED = {
    "io": set(),
    "nn": {"io"},
    "losses": {"nn"},
    "metrics": {"losses", "nn", "io"},
    "ood": {"metrics", "losses", "nn", "io"},
    "validators": {"metrics", "losses", "nn", "io"},
    "selection": {"validators", "io"},
    "data": {"drift", "metrics", "nn", "io"},
    "drift": {"data", "metrics", "nn", "io"},
    "methods": {"validators", "metrics", "losses", "nn", "io"},
    "recipes": {"io"},
    "run": {"methods", "data", "drift", "validators", "selection", "metrics", "ood", "losses", "nn", "io"},
    "tables": {"run", "selection", "io"},
    "analysis": {"run", "methods", "data", "validators", "selection", "metrics", "ood", "losses", "nn", "io", "tables"},
}
#: inside ``tables`` only these harness modules (a run directory's files and the sweep configs, not training).
TABLES_MAY_USE_FROM_RUN = {"dalearn.run.rundir", "dalearn.run.resolvers", "dalearn.run.selection", "dalearn.run.config"}
#: third-party packages a lower layer must not import (users copy nn/losses into plain loops).
FORBIDDEN_THIRD_PARTY = {
    "nn": {"lightning", "pytorch_lightning", "hydra", "omegaconf", "torchmetrics"},
    "losses": {"lightning", "pytorch_lightning", "hydra", "omegaconf", "torchmetrics", "timm", "torchvision"},
    "io": {"torch", "lightning", "hydra", "omegaconf"},
    "metrics": {"lightning", "pytorch_lightning", "hydra", "omegaconf"},
    "validators": {"lightning", "pytorch_lightning", "hydra", "omegaconf"},
    "selection": {"torch", "lightning", "pytorch_lightning", "hydra", "omegaconf"},
    "recipes": {"torch", "lightning", "hydra", "omegaconf"},
}
#: the trusted reader is the part of io that reads checkpoints (torch) and configs (Hydra, OmegaConf).
THIRD_PARTY_EXCEPTIONS = {
    "dalearn.io.trusted.checkpoints": {"torch"},
    "dalearn.io.trusted.configs": {"hydra", "omegaconf"},
}
#: nn reads weights files through the trusted reader's torch-only checkpoint module, nothing else of io.
NN_MAY_USE_FROM_IO = {"dalearn.io.trusted.checkpoints"}


def _modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found.append((name, path))
    return found


def _imports(path: Path, module: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = (
                    module.split(".")[: -node.level]
                    if not path.name == "__init__.py"
                    else module.split(".")[: len(module.split(".")) - node.level + 1]
                )
                names.add(".".join([*base, node.module] if node.module else base))
            elif node.module:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _part(module: str) -> str:
    return module.split(".")[1] if module.count(".") >= 1 else module


MODULES = _modules()


def test_every_part_of_the_package_has_a_place_in_the_layering():
    parts = {_part(name) for name, _ in MODULES if name != "dalearn" and name not in CLI_MODULES}
    # standard library only, usable by every layer: _extras (the missing-extra error), _require_train
    # (that check, imported first by the Hydra commands) and version_flag (--version)
    helpers = {"_extras", "_require_train", "version_flag"}
    unplaced = sorted(parts - set(ALLOWED) - {"train", "eval", "collect", "select", "analyze"} - helpers)
    assert not unplaced, f"add {unplaced} to ALLOWED in this test and to docs/ARCHITECTURE.md"


@pytest.mark.parametrize("module,path", MODULES, ids=[name for name, _ in MODULES])
def test_imports_point_downwards(module, path):
    if module == "dalearn" or module in CLI_MODULES or _part(module) not in ALLOWED:
        return
    part = _part(module)
    wrong = []
    for name in sorted(_imports(path, module)):
        top = name.split(".")[0]
        if top == "dalearn" and name.count("."):
            target = _part(name)
            if name in CLI_MODULES or any(name.startswith(cli + ".") for cli in CLI_MODULES):
                wrong.append(f"{name} (a command-line entry point)")
            elif target != part and target in ALLOWED and target not in ALLOWED[part]:
                wrong.append(f"{name} ({part} may import only {sorted(ALLOWED[part]) or 'the standard library'})")
            elif part == "tables" and target == "run" and not any(name.startswith(m) for m in TABLES_MAY_USE_FROM_RUN):
                wrong.append(f"{name} (tables read run directories only: {sorted(TABLES_MAY_USE_FROM_RUN)})")
            elif part == "nn" and target == "io" and not any(name.startswith(m) for m in NN_MAY_USE_FROM_IO):
                wrong.append(f"{name} (nn may use only {sorted(NN_MAY_USE_FROM_IO)} of io)")
        elif top in FORBIDDEN_THIRD_PARTY.get(part, ()) and top not in THIRD_PARTY_EXCEPTIONS.get(module, ()):
            wrong.append(f"{name} (third-party {top} is not allowed in dalearn.{part})")
    assert not wrong, f"{path.relative_to(PACKAGE.parent)} imports upwards: {wrong}"


def test_the_layer_check_catches_an_upward_import(tmp_path):
    """The checker itself: a losses module importing Lightning and dalearn.methods is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text("import lightning\nfrom dalearn.methods import DANN\n")
    names = _imports(bad, "dalearn.losses.bad")
    assert "lightning" in names and "dalearn.methods" in names
    assert "methods" not in ALLOWED["losses"] and "lightning" in FORBIDDEN_THIRD_PARTY["losses"]
