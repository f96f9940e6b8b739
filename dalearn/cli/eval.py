"""``dalearn-eval ckpt_path=…``: re-evaluate a trained checkpoint
(:func:`dalearn.run.evaluation.evaluate`)."""

from __future__ import annotations

import sys

import dalearn._require_train  # noqa: F401  (first: the [train] extra's pip line if Hydra is missing)

import hydra
from omegaconf import DictConfig

from dalearn.cli.version import with_version_flag
from dalearn.run.config import CONFIG_DIR, quiet_known_warnings
from dalearn.run.evaluation import evaluate


@with_version_flag  # `--version` → 'dalearn X.Y.Z' (before Hydra can answer it)
@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="eval")
def main(cfg: DictConfig) -> None:
    quiet_known_warnings()
    evaluate(cfg)


if __name__ == "__main__":
    sys.exit(main())
