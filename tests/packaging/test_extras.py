"""The light core and the extras: ``pip install dalearn`` is enough for the losses, the blocks,
the metrics, the validators and DIME, and a part that needs an extra says which when it is
missing (:func:`dalearn._extras.require`)."""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from dalearn._extras import EXTRAS, MissingExtraError, missing_modules, require

tomllib = pytest.importorskip("tomllib")  # standard library from Python 3.11 (skipped on 3.10)

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "dalearn"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

#: the packages a core user imports, and the modules they pull in (their own and these).
CORE_PACKAGES = ["losses", "nn", "metrics", "validators", "ood", "io"]
CORE_MODULES = {"dalearn/__init__.py", "dalearn/_extras.py"}
#: modules of the core packages that belong to an extra, and check for it before importing it
#: (``dalearn._extras.require``): the reader of configs is used by the [train] commands only.
EXTRA_MODULES = {"dalearn/io/trusted/configs.py": "train"}
#: importable name → distribution of each core requirement.
CORE_IMPORTS = {"torch": "torch", "torchmetrics": "torchmetrics", "numpy": "numpy", "tqdm": "tqdm"}


def _module_level_imports(path: Path) -> set[str]:
    """Top-level names imported when the module is imported (not those inside functions)."""
    names = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_core_requirements_are_at_most_five_and_cover_the_core_imports():
    declared = {Requirement(text).name for text in PROJECT["dependencies"]}
    assert len(declared) <= 5, declared
    assert declared == set(CORE_IMPORTS.values())
    files = sorted(
        {p for part in CORE_PACKAGES for p in (PACKAGE / part).rglob("*.py")} | {ROOT / m for m in CORE_MODULES}
    )
    files = [path for path in files if str(path.relative_to(ROOT)) not in EXTRA_MODULES]
    third_party = {}
    for path in files:
        for name in _module_level_imports(path) - {"dalearn", "__future__"}:
            if name not in sys.stdlib_module_names:
                third_party.setdefault(name, []).append(str(path.relative_to(ROOT)))
    extra = {name: where for name, where in third_party.items() if name not in CORE_IMPORTS}
    assert not extra, f"the core packages import modules the core does not install: {extra}"


def test_a_core_module_of_an_extra_checks_for_it_first():
    for module, extra in EXTRA_MODULES.items():
        body = ast.parse((ROOT / module).read_text(encoding="utf-8")).body
        first_third_party = next(
            index
            for index, node in enumerate(body)
            if isinstance(node, (ast.Import, ast.ImportFrom))
            and (getattr(node, "module", None) or node.names[0].name).split(".")[0] not in {"__future__", "dalearn"}
            and (getattr(node, "module", None) or node.names[0].name).split(".")[0] not in sys.stdlib_module_names
        )
        calls = [
            node
            for node in body[:first_third_party]
            if isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and getattr(node.value.func, "id", None) == "require"
        ]
        assert calls and calls[0].value.args[0].value == extra, f"{module} must call require({extra!r}, …) first"


def test_the_core_packages_import_only_core_dalearn_parts():
    """A core module importing e.g. dalearn.data would pull the train extra in through the back door."""
    allowed = {f"dalearn.{part}" for part in CORE_PACKAGES} | {"dalearn", "dalearn._extras"}
    wrong = []
    for part in CORE_PACKAGES:
        for path in (PACKAGE / part).rglob("*.py"):
            for node in ast.parse(path.read_text(encoding="utf-8")).body:
                if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("dalearn"):
                    top = ".".join(node.module.split(".")[:2])
                    if top not in allowed:
                        wrong.append(f"{path.relative_to(ROOT)}: {node.module}")
    assert not wrong


def test_every_extra_named_in_the_code_is_declared():
    declared = set(PROJECT["optional-dependencies"])
    assert set(EXTRAS) <= declared
    assert {"train", "analysis", "drift", "cluster", "all", "dev", "docs"} <= declared
    everything = {Requirement(text) for text in PROJECT["optional-dependencies"]["all"]}
    (self_reference,) = everything
    assert self_reference.name == "dalearn"
    assert set(self_reference.extras) == declared - {"all", "dev", "docs"}


def test_require_names_the_pip_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "hydra", None)  # as if hydra-core were not installed
    assert missing_modules("hydra", "torch") == ["hydra"]
    with pytest.raises(MissingExtraError) as caught:
        require("train", "torch", "hydra", by="dalearn.run")
    message = str(caught.value)
    assert "dalearn.run needs hydra, which is not installed" in message
    assert "pip install 'dalearn[train]'" in message
    assert isinstance(caught.value, ImportError) and caught.value.name == "hydra"
    require("train", "torch")  # present: nothing happens
    with pytest.raises(ValueError, match="unknown dalearn extra 'trian'"):
        require("trian", "torch")


def test_a_missing_parent_package_counts_as_missing(monkeypatch):
    import matplotlib.pyplot  # noqa: F401  (imported already: the blocked parent still wins)

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert missing_modules("matplotlib.pyplot", "no_such_package_xyz.sub") == [
        "matplotlib.pyplot",
        "no_such_package_xyz.sub",
    ]


@pytest.mark.parametrize(
    "module,blocked,extra",
    [
        ("dalearn.run", "hydra", "train"),
        ("dalearn.methods", "lightning", "train"),
        ("dalearn.data", "PIL", "train"),
        ("dalearn.tables", "omegaconf", "train"),
        ("dalearn.analysis", "matplotlib", "analysis"),
        ("dalearn.drift.output", "pyarrow", "drift"),
    ],
)
def test_importing_a_part_without_its_extra_says_what_to_install(module, blocked, extra, monkeypatch):
    """Simulate the missing package (``sys.modules[name] = None``) and import the part afresh."""
    monkeypatch.setitem(sys.modules, blocked, None)
    for name in [m for m in sys.modules if m == module or m.startswith(module + ".")]:
        monkeypatch.delitem(sys.modules, name)
    with pytest.raises(ImportError, match=rf"pip install 'dalearn\[{extra}\]'") as caught:
        importlib.import_module(module)
    assert blocked in str(caught.value)


@pytest.mark.parametrize("command", ["dalearn.cli.train", "dalearn.cli.eval", "dalearn.cli.drift"])
def test_a_hydra_command_without_the_train_extra_says_what_to_install(command, monkeypatch):
    """The console script's module imports dalearn._require_train before Hydra."""
    monkeypatch.setitem(sys.modules, "hydra", None)
    for name in (command, "dalearn._require_train"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    with pytest.raises(ImportError, match=r"this dalearn command needs hydra.*pip install 'dalearn\[train\]'"):
        importlib.import_module(command)


def test_a_backbone_without_timm_says_what_to_install(monkeypatch):
    from dalearn.nn import build_backbone

    monkeypatch.setitem(sys.modules, "timm", None)
    with pytest.raises(ImportError, match=r"backbone 'vit_small_patch16_224' \(timm\) needs timm.*dalearn\[train\]"):
        build_backbone("vit_small_patch16_224", pretrained=False)
