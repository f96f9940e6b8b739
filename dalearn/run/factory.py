"""Build what a run needs from its composed config: the data, the model, the trainer.

Every object comes from a ``_target_`` node (:func:`dalearn.run.config.build`); the few
decisions the config cannot express are made here and documented:

- the network — ``method.classifier`` built on ``backbone`` with the data's number of classes,
  and injected into the method (the lightning-hydra-template's ``net``);
- what the data must give the method — read from the method's class and config before the
  DataModule is built, and passed to it as plain arguments (:func:`training_data`);
- ``optim.backbone_lr_mult: auto`` — 0.1 for a pretrained backbone (fine-tuning, as in the
  recipes), 1.0 for one trained from scratch;
- ``channels_last`` — convolution weights stored NHWC (oneDNN's and cuDNN's preferred layout:
  LeNet trains 1.2× and evaluates 1.6× faster on a CPU core);
- CPU threads — each training process gets an equal share of the cores;
- the label-free validators the model scores every epoch (:func:`dalearn.run.selection.validator_names`).
"""

from __future__ import annotations

import copy
import logging
import os
from typing import Any, Optional

import lightning as L
import torch
from omegaconf import DictConfig, OmegaConf

from dalearn.io.trusted.configs import target_class
from dalearn.run.checkpoint_io import AtomicCheckpointIO
from dalearn.run.config import build
from dalearn.run.loggers import build_loggers
from dalearn.run.selection import validator_names

#: the optimiser settings a method takes (``optim.momentum`` and the like reach the optimiser
#: through the ``optim.optimizer`` node that interpolates them).
METHOD_OPTIM_KEYS = ("lr", "lr_gamma", "lr_decay", "backbone_lr_mult")


def resolve_optim(cfg: DictConfig) -> dict[str, Any]:
    """The method's optimiser settings: ``optim.optimizer`` instantiated (a partial that takes
    the parameter groups), the schedule, and ``backbone_lr_mult: auto`` decided."""
    if cfg.optim.get("optimizer") is None:
        raise ValueError(
            "optim.optimizer is missing: it names the optimiser as a _partial_ node, e.g. "
            "{_target_: torch.optim.SGD, _partial_: true, momentum: 0.9} (see conf/optim/sgd.yaml)"
        )
    optim = {key: cfg.optim[key] for key in METHOD_OPTIM_KEYS if key in cfg.optim}
    if optim.get("backbone_lr_mult") == "auto":
        pretrained = bool(cfg.backbone.get("pretrained")) or bool(cfg.backbone.get("weights"))
        optim["backbone_lr_mult"] = 0.1 if pretrained else 1.0
    return {**optim, "optimizer": build(cfg.optim.optimizer)}


def method_class(cfg: DictConfig) -> type:
    """The class ``method._target_`` names (imported, not instantiated; through the trusted
    reader, which alone turns a config's names into Python objects)."""
    return target_class(cfg.method)


def training_data(cfg: DictConfig) -> dict[str, Any]:
    """What the configured method needs from the data, as DataModule arguments (the class's
    :meth:`~dalearn.methods.base.DomainAdaptationModule.training_data` on its config): which
    domains (``uses_source``), which target views, and the strong augmentation —
    ``data.strong_augmentation``, when the config gives one, overrides the method's."""
    read = getattr(method_class(cfg), "training_data", None)
    if read is None:
        return {}
    needs = dict(read(OmegaConf.to_container(cfg.method, resolve=True)))
    if cfg.data.get("strong_augmentation") is not None:
        needs.pop("strong_augmentation", None)
    return needs


def build_datamodule(cfg: DictConfig) -> L.LightningDataModule:
    """The configured ``data`` node, told what the configured method needs (:func:`training_data`)."""
    return build(cfg.data, **training_data(cfg))


def build_model(cfg: DictConfig, num_classes: int) -> L.LightningModule:
    """The configured method on its network: ``method.classifier`` built on the configured
    backbone with ``num_classes``, injected into the method with the optimiser settings and
    the method's ``name`` (a combination such as ``cdan_mcc`` is a CDAN module recorded under
    its own name)."""
    method = OmegaConf.to_container(cfg.method, resolve=True)
    network = method.pop("classifier", None)
    if network is None:
        raise ValueError(
            f"method.classifier is missing from the config of method {cfg.method.get('name')!r}: a method config "
            "names its network, e.g. {_target_: dalearn.nn.ImageClassifier, bottleneck_dim: 256} (see "
            "conf/method/dann.yaml); a run directory written before the network was part of the config cannot be "
            "rebuilt from its config.yaml"
        )
    classifier = build(network, backbone=build(cfg.backbone), num_classes=num_classes)
    # how to rebuild it (Method.load_from_checkpoint; dalearn/methods/conventions.py)
    classifier.dalearn_spec = {"network": copy.deepcopy(network), "num_classes": num_classes}
    model = build(method, classifier=classifier, optim=resolve_optim(cfg))
    model.use_validators(validator_names(cfg))
    if cfg.get("channels_last"):
        model = model.to(memory_format=torch.channels_last)
    return model


def build_trainer(cfg: DictConfig, resume_step: Optional[int] = None) -> L.Trainer:
    """The configured trainer with the run's callbacks, logger and atomic checkpoint writer.

    ``resume_step``: the ``global_step`` of the checkpoint the run resumes from, so that the
    logger continues the earlier log without its replayed part (:func:`continue_logs`)."""
    silence_advertisements()
    callbacks = [build(c) for c in cfg.get("callbacks", {}).values() if c is not None]
    logger = build_loggers(cfg.logger, resume_step) if cfg.get("logger") else False  # one or several (run/loggers.py)
    return build(
        cfg.trainer,
        callbacks=callbacks,
        logger=logger,
        default_root_dir=cfg.paths.run_dir,
        plugins=[AtomicCheckpointIO()],
    )


class _AdvertisementFilter(logging.Filter):
    """Drops Lightning's "💡 Tip: … try installing litlogger/litmodels" lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.getMessage()).lstrip().startswith("💡 Tip")


ADVERTISEMENT_LOGGERS = ("lightning.pytorch.utilities.rank_zero", "lightning.fabric.utilities.rank_zero")


def silence_advertisements() -> None:
    """Silence third-party advertisements (Lightning's litlogger/litmodels tips, printed on
    every run), unless ``DALEARN_SHOW_TIPS=1``. Idempotent."""
    if os.environ.get("DALEARN_SHOW_TIPS") == "1":
        return
    for name in ADVERTISEMENT_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _AdvertisementFilter) for f in logger.filters):
            logger.addFilter(_AdvertisementFilter())


def set_cpu_threads(cfg: DictConfig) -> None:
    """On the CPU, give each training process an equal share of the cores (``cpu_threads``
    overrides): several processes each using every core only contend."""
    if cfg.trainer.get("accelerator") != "cpu":
        return
    threads = cfg.get("cpu_threads")
    if not threads:
        devices = cfg.trainer.get("devices", 1)
        processes = devices if isinstance(devices, int) and devices > 0 else 1
        threads = max(1, (os.cpu_count() or 1) // (processes * _parallel_jobs()))
    torch.set_num_threads(int(threads))


def _parallel_jobs() -> int:
    """How many runs a Hydra launcher executes side by side on this machine (joblib's n_jobs)."""
    from hydra.core.hydra_config import HydraConfig

    if not HydraConfig.initialized():
        return 1
    n_jobs = HydraConfig.get().launcher.get("n_jobs")
    if n_jobs == -1:
        return os.cpu_count() or 1
    return n_jobs if isinstance(n_jobs, int) and n_jobs > 0 else 1
