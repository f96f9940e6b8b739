"""Only the trusted reader (dalearn/io/trusted/) may call what reads a config or a checkpoint a
user is given — ``torch.load``, ``OmegaConf.load``, Hydra's ``instantiate`` and their relatives —
so that no present or future command can bypass its checks. Every module of dalearn/ is read
with ``ast``; imports are followed to the full name of what each expression refers to."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "dalearn"
READER = {
    "dalearn/io/trusted/checkpoints.py": {"torch.load"},
    "dalearn/io/trusted/configs.py": {
        "omegaconf.OmegaConf.load",
        "hydra.utils.instantiate",
        "hydra.utils.get_class",  # target_class: the run factory reads a method's class (never built)
    },
}
#: what reads (and may run) the content of a file, or builds objects by name from a config.
FORBIDDEN = {
    "torch.load",
    "torch.hub.load",
    "torch.jit.load",
    "torch.serialization.load",
    "omegaconf.OmegaConf.load",
    "hydra.utils.instantiate",
    "hydra.utils.call",
    "hydra.utils.get_method",
    "hydra.utils.get_class",
    "hydra.utils.get_object",
    "hydra._internal.utils._locate",
    "pickle.load",
    "pickle.loads",
    "pickle.Unpickler",
    "yaml.load",
    "yaml.unsafe_load",
    "yaml.full_load",
}


def referenced_names(source: str) -> set[str]:
    """The full dotted names the module refers to (``from hydra.utils import instantiate as i``
    then ``i(...)`` gives ``hydra.utils.instantiate``)."""
    tree = ast.parse(source)
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                aliases[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    found = set()

    def dotted(node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            return aliases.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = dotted(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    for node in ast.walk(tree):
        if isinstance(node, (ast.Attribute, ast.Name)):
            name = dotted(node)
            if name:
                found.add(name)
    found |= set(aliases.values())
    return found


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE.parent)))
def test_no_module_but_the_reader_loads_configs_or_checkpoints(path):
    relative = str(path.relative_to(PACKAGE.parent))
    used = referenced_names(path.read_text(encoding="utf-8")) & FORBIDDEN
    allowed = READER.get(relative, set())
    assert used <= allowed, (
        f"{relative} uses {sorted(used - allowed)}: read checkpoints with "
        f"dalearn.io.trusted.checkpoints.load_checkpoint and configs with dalearn.io.trusted.configs.load_config "
        f"(build them with dalearn.io.trusted.configs.build)"
    )


def test_the_reader_is_where_the_loads_are():
    for relative, names in READER.items():
        assert names <= referenced_names((PACKAGE.parent / relative).read_text(encoding="utf-8")), relative


@pytest.mark.parametrize(
    "snippet,name",
    [
        ("import torch\nstate = torch.load(p)\n", "torch.load"),
        ("import torch as t\nloader = t.load\n", "torch.load"),
        ("from torch import load\nload(p)\n", "torch.load"),
        ("from hydra.utils import instantiate as build\nbuild(node)\n", "hydra.utils.instantiate"),
        ("import hydra\nhydra.utils.instantiate(node)\n", "hydra.utils.instantiate"),
        ("from omegaconf import OmegaConf\ncfg = OmegaConf.load(p)\n", "omegaconf.OmegaConf.load"),
        ("import pickle\npickle.loads(b)\n", "pickle.loads"),
    ],
)
def test_the_scan_catches_each_way_of_writing_a_load(snippet, name):
    assert name in referenced_names(snippet)
