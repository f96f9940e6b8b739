"""What a configuration from someone else may name, as plain data (no imports), so that the
documentation's list (docs/security.md) and the checks in :mod:`dalearn.io.trusted.configs` are the same list.

- :data:`SHIPPED_CALLABLES` — every ``_target_`` of dalearn's own configs (``dalearn/conf``:
  data sets, domains, transforms, methods, the backbone factory, the optimiser, the trainer,
  its callbacks and loggers). ``tests/io/test_trusted_configs.py`` reads the shipped tree and
  fails if this list misses one of its targets or holds one it does not use.
- :data:`EXTRA_CALLABLES` — the few more, each with the reason it is here.
- :data:`SAFE_RESOLVERS` — the interpolation resolvers a shared config may use: each computes
  from the config itself (or from Hydra's settings of the running command), none reads a file,
  runs code or reads the environment; :data:`SAFE_ENVIRONMENT` names the only variables
  ``${oc.env:…}`` may read.

Exact names only: a module prefix (``torch.``) would trust every function of the module, and a
library as large as torch holds functions that run shell commands (``torch.utils.collect_env.run``)
or load code (``torch.hub.load``).
"""

from __future__ import annotations

SHIPPED_CALLABLES: tuple[str, ...] = (
    "dalearn.cli.run_directory_guard.RunDirectoryGuard",
    "dalearn.data.DomainAdaptationDataModule",
    "dalearn.data.benchmarks.benchmark_domain",
    "dalearn.data.domains.benchmark",
    "dalearn.data.domains.drift_folder",
    "dalearn.data.domains.image_folder",
    "dalearn.data.domains.image_list",
    "dalearn.data.domains.offline",
    "dalearn.data.offline.digits",
    "dalearn.data.offline.fashion_mnist",
    "dalearn.data.transforms.eval_transform",
    "dalearn.data.transforms.train_transform",
    "dalearn.drift.dataset.DriftedImageFolder",
    "dalearn.methods.AFN",
    "dalearn.methods.BNM",
    "dalearn.methods.CDAN",
    "dalearn.methods.DAN",
    "dalearn.methods.DANN",
    "dalearn.methods.JAN",
    "dalearn.methods.MCC",
    "dalearn.methods.MCD",
    "dalearn.methods.MDD",
    "dalearn.methods.SHOT",
    "dalearn.methods.SelfTraining",
    "dalearn.methods.SourceOnly",
    "dalearn.nn.ImageClassifier",
    "dalearn.nn.MCDClassifier",
    "dalearn.nn.MDDClassifier",
    "dalearn.nn.WarmStartGradientReverseLayer",
    "dalearn.nn.afn_bottleneck",
    "dalearn.nn.bottleneck",
    "dalearn.nn.build_backbone",
    "dalearn.nn.weight_normalized_linear",
    "dalearn.run.accuracy_estimator.AccuracyEstimator",
    "dalearn.run.best_checkpoint.BestCheckpoint",
    "dalearn.run.callbacks.EpochSeeder",
    "dalearn.run.callbacks.RunRecorder",
    "dalearn.run.collapse_monitor.CollapseMonitor",
    "dalearn.run.csv_logger.ContinuingCSVLogger",
    "dalearn.run.domain_gap_monitor.DomainGapMonitor",
    "dalearn.run.mixval_probe.MixValProbe",
    "dalearn.run.prediction_recorder.PredictionRecorder",
    "lightning.pytorch.Trainer",
    "lightning.pytorch.callbacks.LearningRateMonitor",
    "lightning.pytorch.callbacks.ModelCheckpoint",
    "lightning.pytorch.loggers.MLFlowLogger",
    "lightning.pytorch.loggers.TensorBoardLogger",
    "lightning.pytorch.loggers.WandbLogger",
    "torch.optim.SGD",
)

EXTRA_CALLABLES: dict[str, str] = {
    "torchvision.transforms.v2.AutoAugment": (
        "the training transform benchmarks/RESULTS.md gives on the command line "
        "(data.train_transform={_target_: torchvision.transforms.v2.AutoAugment, …}); an image transform"
    ),
    "torchvision.transforms.v2.AutoAugmentPolicy": "the policy argument of that transform (an enum)",
}

TRUSTED_CALLABLES: frozenset[str] = frozenset(SHIPPED_CALLABLES) | frozenset(EXTRA_CALLABLES)

SAFE_RESOLVERS: dict[str, str] = {
    "source_domain": "dalearn: the source half of a task key (A2W → A)",
    "target_domain": "dalearn: the target half of a task key (A2W → W)",
    "run_hash": "dalearn: the hash of the configuration itself",
    "path_part": "dalearn: a config value checked for use as a folder name",
    "domain_task": "dalearn: the task name of data=custom, from its two domain nodes",
    "oc.select": "OmegaConf: another key of the same configuration, or a default",
    "hydra": "Hydra: a setting of the running command (the run directory)",
    "oc.env": "OmegaConf: an environment variable, only those named below",
}

SAFE_ENVIRONMENT: tuple[str, ...] = ("DALEARN_DATA",)
