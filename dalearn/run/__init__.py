"""The run harness: everything between a composed config and a finished run directory.

- :mod:`~dalearn.run.config` — where the configs live, instantiation with the constructor's own errors;
- :mod:`~dalearn.run.resolvers` — ``${source_domain:}``, ``${target_domain:}``, ``${run_hash:}``;
- :mod:`~dalearn.run.factory` — data, model and trainer from a config: the method's network built
  from its config and injected, the data told what the method needs;
- :mod:`~dalearn.run.training` / :mod:`~dalearn.run.evaluation` — :func:`train` and :func:`evaluate`;
- :mod:`~dalearn.run.rundir`, :mod:`~dalearn.run.checkpoint_io` — the run directory, atomic checkpoints, safe loading;
- :mod:`~dalearn.run.lock` — one process per run directory;
- :mod:`~dalearn.run.csv_logger` — one CSV log per run, continued on resume;
- :mod:`~dalearn.run.selection` — what the selection rule and the objective ask of a config (the rules: :mod:`dalearn.selection`);
- :mod:`~dalearn.run.callbacks`, :mod:`~dalearn.run.domain_gap_monitor`, :mod:`~dalearn.run.best_checkpoint`,
  :mod:`~dalearn.run.prediction_recorder`, :mod:`~dalearn.run.accuracy_estimator`, :mod:`~dalearn.run.mixval_probe`
  (on :mod:`~dalearn.run.evaluation_consumer`) — the callbacks of every run;

Messages go to the ``dalearn`` logger, set up by :func:`dalearn.io.setup_logging`.

Imported lazily by the CLIs; importing :mod:`dalearn.run` itself loads nothing heavy.
"""

from dalearn._extras import require

require("train", "lightning", "hydra", "omegaconf", "torchvision", by="dalearn.run")  # the extra's pip line if missing
