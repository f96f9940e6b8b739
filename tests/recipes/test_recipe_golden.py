"""Golden snapshot of every experiment recipe as Hydra composes it: the group choices and the
composed ``method``, ``optim``, ``trainer`` and ``backbone`` sections plus the ``data`` keys a
recipe sets, for each ``conf/experiment/<benchmark>/<method>.yaml``.

The snapshot was taken from the hand-written experiment files before they were generated from
the recipe tables, so this test proves the generated files compose to the same configs; from
then on it catches any change of a composed recipe (a table row, or a group default under it).
After an intended change, regenerate with
``DALEARN_UPDATE_GOLDEN=1 python -m pytest tests/data_benchmarks/test_recipe_golden.py``
and review the diff of ``tests/data_benchmarks/golden/recipes.json``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from dalearn.run.config import CONFIG_DIR

GOLDEN = Path(__file__).parent / "golden" / "recipes.json"
GROUPS = ("data", "method", "backbone", "optim", "trainer", "selection")
SECTIONS = ("method", "optim", "trainer", "backbone")
DATA_KEYS = ("name", "batch_size", "eval_batch_size", "iters_per_epoch")


def experiments() -> list[str]:
    root = Path(CONFIG_DIR) / "experiment"
    return sorted(str(p.relative_to(root).with_suffix("")) for p in root.glob("*/*.yaml"))


def snapshot(cfg) -> dict:
    """The part of a composed config a recipe decides, unresolved (interpolations kept as text)."""
    choices = cfg.hydra.runtime.choices
    entry = {"choices": {group: choices[group] for group in GROUPS}}
    for section in SECTIONS:
        entry[section] = OmegaConf.to_container(cfg[section], resolve=False)
    entry["data"] = {key: OmegaConf.to_container(cfg.data, resolve=False)[key] for key in DATA_KEYS}
    entry["data"]["train_transform.crop"] = OmegaConf.select(cfg, "data.train_transform.crop", default=None)
    return entry


def compose_all() -> dict:
    with initialize_config_dir(CONFIG_DIR, version_base="1.3"):
        return {
            name: snapshot(compose("train", overrides=[f"experiment={name}"], return_hydra_config=True))
            for name in experiments()
        }


def flat(tree: dict, prefix: str = "") -> dict:
    """``{"optim": {"lr": 0.1}}`` → ``{"optim.lr": 0.1}``."""
    items = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            items.update(flat(value, f"{prefix}{key}."))
        else:
            items[f"{prefix}{key}"] = value
    return items


def test_every_experiment_composes_to_its_golden_snapshot():
    composed = compose_all()
    if os.environ.get("DALEARN_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(composed, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert sorted(composed) == sorted(expected), "experiments added or removed: regenerate the golden file"
    for name in expected:
        now, then = flat(composed[name]), flat(expected[name])
        changed = {
            key: (then.get(key, "<absent>"), now.get(key, "<absent>"))
            for key in sorted(set(now) | set(then))
            if now.get(key, "<absent>") != then.get(key, "<absent>")
        }
        assert not changed, f"experiment={name} composes differently from {GOLDEN.name} (golden, now): {changed}"
