"""``dalearn-train`` / ``python -m dalearn.cli.train``: compose ``conf/train.yaml`` with the
command-line overrides and train (:func:`dalearn.run.training.train`). Returns the number a
Hydra sweeper optimises: the score of the ``objective`` key (:mod:`dalearn.selection.objective`;
by default the selection rule's label-free score — never the target accuracy unless
``objective=oracle`` asks for it)."""

from __future__ import annotations

import logging
import sys

import dalearn._require_train  # noqa: F401  (first: the [train] extra's pip line if Hydra is missing)

import hydra
from omegaconf import DictConfig, OmegaConf

from dalearn.cli.version import with_version_flag
from dalearn.run.config import CONFIG_DIR, quiet_known_warnings
from dalearn.run.training import train
from dalearn.selection.objective import objective_value

log = logging.getLogger("dalearn")


@with_version_flag  # `--version` → 'dalearn X.Y.Z' (before Hydra can answer it)
@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="train")
def main(cfg: DictConfig) -> float:
    quiet_known_warnings()
    if cfg.get("print_config"):
        print(OmegaConf.to_yaml(cfg, resolve=True))
    metrics, _ = train(cfg)
    value, words = objective_value(metrics, str(cfg.get("objective") or "selection"))
    log.info("objective=%s: %.4f — %s", cfg.get("objective"), value, words)
    return value


if __name__ == "__main__":
    sys.exit(main())
