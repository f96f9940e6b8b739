"""``dalearn-eval ckpt_path=…``: re-evaluate a trained checkpoint
(:func:`dalearn.run.evaluation.evaluate`)."""

from __future__ import annotations

import sys

import hydra
from omegaconf import DictConfig

from dalearn.run.config import CONFIG_DIR, quiet_known_warnings
from dalearn.run.evaluation import evaluate


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="eval")
def main(cfg: DictConfig) -> None:
    quiet_known_warnings()
    evaluate(cfg)


if __name__ == "__main__":
    sys.exit(main())
