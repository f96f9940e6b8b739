"""Digits → Digits-strongdrift, the offline benchmark's hard task: its drift is stronger than
Digits-drift's in every transform (plus blur), its config builds the strongdrift domain, and the
benchmark and the tables list it. (That Source-Only stays below 50 % there is measured in
benchmarks/RESULTS.md, not trained here.)"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import yaml

from dalearn.data import offline
from dalearn.drift.transforms import ImageTransform
from dalearn.run.config import CONFIG_DIR
from dalearn.tables.reference import dataset_info


def test_strong_drift_exceeds_the_default_drift_in_every_transform():
    default, strong = dict(offline.DEFAULT_DRIFT), dict(offline.STRONG_DRIFT)
    assert set(default) < set(strong) and "GAUSSIAN_BLUR" in set(strong) - set(default)
    for name, level in default.items():
        assert strong[name] > level, name
    for name in strong:
        ImageTransform.parse(name)  # every name is a drift transform


def test_config_builds_the_strongdrift_domain_with_the_module_levels(train_cfg):
    cfg = train_cfg(["data=offline/digits_clean2strongdrift"])
    assert cfg.data.name == "digits_clean2strongdrift"
    assert (cfg.data.source_domain, cfg.data.target_domain) == ("clean", "strongdrift")
    levels = tuple((d.transf_type, d.drift_level) for d in cfg.data.strong_drift)
    assert levels == offline.STRONG_DRIFT
    assert cfg.data.target.test.variant == "strongdrift"


def test_strongdrift_images_are_further_from_the_clean_ones_than_drift():
    clean = offline.digits("test", "clean").images
    drift = offline.digits("test", "drift").images
    strong = offline.digits("test", "strongdrift").images
    assert strong.shape == clean.shape == (539, 3, 28, 28)
    assert offline.digits("test", "strongdrift").labels.equal(offline.digits("test", "clean").labels)
    distance = {name: float((x - clean).pow(2).mean()) for name, x in (("drift", drift), ("strong", strong))}
    assert distance["strong"] > 1.5 * distance["drift"], distance
    # the levels come from the argument, as the drift variant's do
    weaker = offline.digits("test", "strongdrift", strong_drift=offline.DEFAULT_DRIFT).images
    assert torch.equal(weaker, drift)


def test_unknown_domain_names_the_choices():
    with pytest.raises(ValueError, match="strongdrift"):
        offline.digits("test", "strongerdrift")


def test_benchmark_and_tables_list_the_task():
    benchmark = yaml.safe_load((Path(CONFIG_DIR) / "benchmark" / "offline.yaml").read_text())
    assert "offline/digits_clean2strongdrift" in benchmark["hydra"]["sweeper"]["params"]["data"].split(",")
    info = dataset_info("digits")
    assert "clean2strongdrift" in info.tasks and info.label("strongdrift") == "Digits-strongdrift"
