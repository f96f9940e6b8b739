"""``dalearn-train`` / ``python -m dalearn.cli.train``: compose ``conf/train.yaml`` with the
command-line overrides and train (:func:`dalearn.run.training.train`). Returns the selected
target accuracy, the number a Hydra sweeper optimises."""

from __future__ import annotations

import sys

import hydra
from omegaconf import DictConfig, OmegaConf

from dalearn.run.config import CONFIG_DIR, quiet_known_warnings
from dalearn.run.training import train


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="train")
def main(cfg: DictConfig) -> float:
    quiet_known_warnings()
    if cfg.get("print_config"):
        print(OmegaConf.to_yaml(cfg, resolve=True))
    metrics, _ = train(cfg)
    return float(metrics["tgt_acc"])


if __name__ == "__main__":
    sys.exit(main())
