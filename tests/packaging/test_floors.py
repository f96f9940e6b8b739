"""Dependency floors: every third-party module dalearn imports is declared (in the core or an
extra), the declared floors are at least what the APIs dalearn calls need, and — where a
floor release installs here — dalearn's use of it runs on that release."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

tomllib = pytest.importorskip("tomllib")  # standard library from Python 3.11 (skipped on 3.10)

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

#: distribution → (the lowest release with every API dalearn calls, which API decides it).
API_NEEDS = {
    "scikit-learn": ("1.5", "TSNE(max_iter=...) in dalearn.analysis.embedding (n_iter before 1.5)"),
    "torch": ("2.1", "torch.load(weights_only=True, mmap=True) in dalearn.run.checkpoint_io"),
    "torchvision": ("0.16", "torchvision.transforms.v2.functional (stable from 0.16)"),
    "timm": ("0.9", "pretrained tags 'name.tag' in timm.create_model"),
    "lightning": ("2.0", "the unified lightning.pytorch namespace"),
    "hydra-core": ("1.3", "hydra.main(version_base=...)"),
    "tqdm": ("4.60", "tqdm.auto with mininterval/disable in dalearn.io.progress"),
}


def _declared() -> dict[str, Requirement]:
    texts = [*PROJECT["dependencies"], *(r for extra in PROJECT["optional-dependencies"].values() for r in extra)]
    found = {}
    for text in texts:
        requirement = Requirement(text)
        if requirement.name != "dalearn":
            found[canonicalize_name(requirement.name)] = requirement
    return found


def _floor(requirement: Requirement) -> Version | None:
    floors = [Version(spec.version) for spec in requirement.specifier if spec.operator in (">=", "==", "~=")]
    return max(floors) if floors else None


def _all_imports() -> dict[str, set[str]]:
    """Every top-level module name imported anywhere in dalearn (functions included) → files."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / "dalearn").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_imported_third_party_package_is_declared():
    declared = set(_declared())
    distributions = metadata.packages_distributions()
    # a dependency of a declared one, used where that one is: omegaconf brings PyYAML
    indirect = {"yaml": "omegaconf", "lightning_utilities": "lightning", "packaging": "lightning"}
    undeclared = {}
    for module, files in _all_imports().items():
        if module in sys.stdlib_module_names or module in ("dalearn", "__future__") or module in indirect:
            continue
        owners = {canonicalize_name(d) for d in distributions.get(module, [])}
        assert owners, f"{module} (imported by {sorted(files)}) is not installed here"
        if not owners & declared:
            undeclared[module] = sorted(files)
    assert not undeclared, f"imported but declared nowhere in pyproject: {undeclared}"
    assert {canonicalize_name(d) for d in indirect.values()} <= declared


@pytest.mark.parametrize("name", sorted(API_NEEDS))
def test_declared_floors_meet_the_apis_used(name):
    requirement = _declared()[canonicalize_name(name)]
    needed, why = API_NEEDS[name]
    floor = _floor(requirement)
    assert floor is not None and floor >= Version(needed), f"{requirement}: dalearn needs {name}>={needed} for {why}"


@pytest.mark.slow
def test_dalearn_runs_on_the_floor_releases_of_scikit_learn_and_tqdm(tmp_path):
    """Install the declared floors (pip, --no-deps, into a folder put first on the path) and
    run what dalearn does with them: the t-SNE of dalearn-analyze, the bundled digits, a progress bar."""
    pins = [f"{name}=={_floor(_declared()[name])}" for name in ("scikit-learn", "tqdm")]
    target = tmp_path / "floors"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), *pins],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if install.returncode != 0:
        pytest.skip(f"cannot install {pins} here (no package index?): {install.stderr.strip()[-300:]}")
    script = (
        "import numpy as np, sklearn, tqdm\n"
        "from packaging.version import Version\n"
        f"assert (Version(sklearn.__version__), Version(tqdm.__version__)) == (Version({pins[0].split('==')[1]!r}), Version({pins[1].split('==')[1]!r}))\n"
        "from sklearn.datasets import load_digits\n"
        "from dalearn.analysis.embedding import tsne_embedding\n"
        "from dalearn.io import progress\n"
        "x = load_digits().data[:120]\n"
        "a, b = tsne_embedding(x[:60], x[60:], seed=0)\n"
        "assert a.shape == (60, 2) and b.shape == (60, 2) and np.isfinite(a).all()\n"
        "assert sum(1 for _ in progress(range(5), 'floors')) == 5\n"
        "print('ok')\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), str(ROOT)])}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-3000:]
