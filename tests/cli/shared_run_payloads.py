"""Payloads a hostile run directory can carry, each of which creates a file when it runs — so
a test asserts that the file does not exist. Used by test_shared_run_payloads.py.

Config payloads are nodes planted in ``config.yaml`` and ``.hydra/config.yaml``; checkpoint
payloads are objects whose pickle calls a callable on load (``__reduce__``)."""

from __future__ import annotations

import builtins
import functools
import hashlib
import importlib
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, Callable

import torch
import torch.hub
import torch.utils.collect_env
import yaml

#: name → (where in the config to plant it, node builder taking the file the payload creates)
CONFIG_PAYLOADS: dict[str, tuple[tuple[str, ...], Callable[[Path, Path], Any]]] = {
    "builtins.open": (("data",), lambda m, _: {"_target_": "builtins.open", "file": str(m), "mode": "w"}),
    "os.system": (("data",), lambda m, _: {"_target_": "os.system", "command": f"touch {m}"}),
    "subprocess.run": (("backbone",), lambda m, _: {"_target_": "subprocess.run", "args": ["touch", str(m)]}),
    "torch.utils.collect_env.run": (
        ("method",),
        lambda m, _: {"_target_": "torch.utils.collect_env.run", "command": f"touch {m}"},
    ),
    "torch.hub.load": (
        ("data",),
        lambda m, lab: {
            "_target_": "torch.hub.load",
            "repo_or_dir": str(lab / "hubrepo"),
            "model": "entry",
            "source": "local",
        },
    ),
    "importlib.import_module": (
        ("data",),
        lambda m, lab: {"_target_": "importlib.import_module", "name": module_name(lab)},
    ),
    "functools.partial": (
        ("optim", "optimizer"),
        lambda m, _: {
            "_target_": "functools.partial",
            "_args_": [{"_target_": "hydra.utils.get_method", "path": "os.system"}, f"touch {m}"],
        },
    ),
    "_partial_": (
        ("optim", "optimizer"),
        lambda m, _: {"_target_": "os.system", "_partial_": True, "command": f"touch {m}"},
    ),
    "_args_": (
        ("backbone",),
        lambda m, _: {
            "_target_": "dalearn.nn.build_backbone",
            "_args_": [{"_target_": "os.system", "_args_": [f"touch {m}"]}],
        },
    ),
    "three-levels-deep": (
        ("data", "source", "train"),
        lambda m, _: {"_target_": "builtins.open", "file": str(m), "mode": "w"},
    ),
    "interpolation-oc.decode": (
        ("data",),
        lambda m, _: f"${{oc.decode:'{{_target_: builtins.open, file: {m}, mode: w}}'}}",
    ),
    "interpolation-oc.env-target": (
        ("data",),
        lambda m, _: {"_target_": "${oc.env:DALEARN_TEST_PAYLOAD}", "file": str(m), "mode": "w"},
    ),
}

#: payloads that build a callable which dalearn would call later (the optimiser factory)
CALLED_LATER = {"functools.partial", "_partial_"}


def module_name(lab: Path) -> str:
    """A module name of this test's own (a module imported once is not executed again)."""
    return "dalearn_test_payload_" + hashlib.sha1(str(lab).encode()).hexdigest()[:12]


def locate(name: str) -> Any:
    """The object a dotted name refers to (module, then attributes), as Hydra's ``_locate``."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            found = getattr(found, attribute)
        return found
    raise ImportError(name)


def naive_instantiate(node: Any) -> Any:
    """What Hydra 1.3's ``instantiate`` does with a resolved config when no target policy
    stands in the way (hydra-core 1.3.2, the oldest release dalearn accepts, has none): build
    the children, then call ``_target_`` with ``_args_`` and the other keys (a
    ``functools.partial`` with ``_partial_: true``)."""
    if isinstance(node, list):
        return [naive_instantiate(value) for value in node]
    if not isinstance(node, dict):
        return node
    children = {key: naive_instantiate(value) for key, value in node.items() if key != "_args_"}
    if "_target_" not in node:
        return children
    function = locate(children.pop("_target_"))
    args = naive_instantiate(node.get("_args_", []))
    partial = children.pop("_partial_", False)
    for key in ("_recursive_", "_convert_"):
        children.pop(key, None)
    return functools.partial(function, *args, **children) if partial else function(*args, **children)


def prepare_lab(lab: Path, marker: Path, monkeypatch) -> None:
    """What the payloads reach for: a local hub repository and an importable module whose
    import creates ``marker``, and the environment variable the oc.env payload reads."""
    code = f"open({str(marker)!r}, 'w').close()\n"
    (lab / "hubrepo").mkdir(parents=True, exist_ok=True)
    (lab / "hubrepo" / "hubconf.py").write_text(code + "def entry():\n    return None\n")
    (lab / "modules").mkdir(exist_ok=True)
    (lab / "modules" / f"{module_name(lab)}.py").write_text(code)
    monkeypatch.syspath_prepend(str(lab / "modules"))
    monkeypatch.setenv("DALEARN_TEST_PAYLOAD", "builtins.open")
    importlib.invalidate_caches()


class Reduce:
    """Unpickling this calls ``function(*args)``."""

    def __init__(self, function: Callable, args: tuple) -> None:
        self.function, self.args = function, args

    def __reduce__(self):
        return (self.function, self.args)


#: name → builder of the object whose unpickling creates the file
PICKLE_PAYLOADS: dict[str, Callable[[Path, Path], Any]] = {
    "builtins.open": lambda m, _: Reduce(builtins.open, (str(m), "w")),
    "os.system": lambda m, _: Reduce(os.system, (f"touch {m}",)),
    "subprocess.run": lambda m, _: Reduce(subprocess.run, (["touch", str(m)],)),
    "torch.utils.collect_env.run": lambda m, _: Reduce(torch.utils.collect_env.run, (f"touch {m}",)),
    "torch.hub.load": lambda m, lab: Reduce(
        functools.partial(torch.hub.load, source="local"), (str(lab / "hubrepo"), "entry")
    ),
    "importlib.import_module": lambda m, lab: Reduce(importlib.import_module, (module_name(lab),)),
    "functools.partial": lambda m, _: Reduce(functools.partial(os.system, f"touch {m}"), ()),
}


def hostile_checkpoint(path: Path, payload: Any, state_dict: dict | None = None) -> Path:
    """A Lightning-shaped checkpoint (``state_dict`` of real tensors) that also carries ``payload``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"state_dict": state_dict or {"w": torch.zeros(2)}, "epoch": 0, "payload": payload}, path)
    return path


def copy_run(clean: Path, where: Path) -> Path:
    """A copy whose checkpoints are hard links (no 13 MB copies; ``resolve()`` stays in the copy)."""
    return Path(shutil.copytree(clean, where, copy_function=os.link))


def plant(file: Path, location: tuple[str, ...], node) -> None:
    """Replace (or add) the node at ``location`` of the YAML file (a fresh file, not the hard link)."""
    config = yaml.safe_load(file.read_text()) if file.is_file() else {}
    parent = config
    for key in location[:-1]:
        if not isinstance(parent.get(key), dict):
            parent[key] = {}
        parent = parent[key]
    parent[location[-1]] = node
    file.unlink(missing_ok=True)
    file.write_text(yaml.safe_dump(config))
