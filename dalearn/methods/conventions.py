"""Lightning's conventions for every method: the constructor's arguments in the checkpoint, so
that ``DANN.load_from_checkpoint(path)`` rebuilds the trained method with no other argument,
and a ``predict_step``, so that ``Trainer.predict`` gives class logits.

What the checkpoint records (``checkpoint["hyper_parameters"]``, plain data only, so that it is
read by the trusted reader, tensors and plain data only, like every dalearn checkpoint):

- the method's own arguments (``num_classes``, ``bottleneck_dim``, ``trade_off``,
  ``regularizers``, …), collected by Lightning's ``save_hyperparameters`` from the subclass's
  ``__init__`` down to the base's;
- ``classifier``: how to rebuild the network — its config node (``method.classifier``: a
  ``_target_`` among the callables dalearn's own configs build, checked by the trusted reader
  before anything is built), the number of classes and the backbone's architecture
  (``{"name": "resnet50", "in_chans": 3}``, set by :func:`dalearn.nn.build_backbone`) — not its
  weights, which the state dict holds, so a pretrained backbone is rebuilt without downloading
  anything;
- ``optim``: the optimiser settings without the optimiser factory (a callable is no plain
  data); pass ``optim=…`` to :meth:`load_from_checkpoint` to continue training with another.

A network that the run's factory did not build (a user's own module, or a backbone that
:func:`~dalearn.nn.build_backbone` did not build) records ``None``; such a checkpoint is loaded
with ``Method.load_from_checkpoint(path, classifier=my_network)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any, Mapping, Optional, Union

import torch
from torch import nn

from dalearn.io.trusted.checkpoints import load_checkpoint
from dalearn.nn import build_backbone

#: the attribute :func:`dalearn.nn.build_backbone` sets on a backbone it builds, and the run's
#: factory on the network it builds (``{"network": <config node>, "num_classes": C}``).
SPEC_ATTRIBUTE = "dalearn_spec"


def backbone_spec(backbone: nn.Module) -> Optional[dict[str, Any]]:
    """``build_backbone``'s arguments for ``backbone``'s architecture, or None if unknown."""
    spec = getattr(backbone, SPEC_ATTRIBUTE, None)
    return dict(spec) if isinstance(spec, Mapping) else None


def classifier_spec(classifier: nn.Module) -> Optional[dict[str, Any]]:
    """``{"network", "num_classes", "backbone"}``: what rebuilds ``classifier``'s architecture,
    or None when the factory did not build it or its backbone's architecture is unknown."""
    spec = getattr(classifier, SPEC_ATTRIBUTE, None)
    backbone = backbone_spec(getattr(classifier, "backbone", None))
    if not isinstance(spec, Mapping) or backbone is None:
        return None
    return {"network": plain(spec["network"]), "num_classes": int(spec["num_classes"]), "backbone": backbone}


def plain(value: Any) -> Any:
    """``value`` with OmegaConf containers turned into dicts and lists (resolved), recursively."""
    if type(value).__module__.startswith("omegaconf"):
        from omegaconf import OmegaConf

        value = OmegaConf.to_container(value, resolve=True)
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(plain(item) for item in value)
    return value


def rebuild_classifier(spec: Mapping[str, Any], source: str) -> nn.Module:
    """The network :func:`classifier_spec` recorded: its config node checked against the
    trusted callables, then built on the recorded backbone architecture (untrained weights)."""
    from omegaconf import OmegaConf

    from dalearn.io.trusted.configs import build, check_config

    network = OmegaConf.create(dict(spec["network"]))
    check_config(network, source, trust_hint="classifier=<the network> to load_from_checkpoint")
    backbone = build_backbone(**spec["backbone"])
    classifier = build(network, backbone=backbone, num_classes=int(spec["num_classes"]))
    setattr(classifier, SPEC_ATTRIBUTE, {"network": dict(spec["network"]), "num_classes": int(spec["num_classes"])})
    return classifier


class LightningConventions:
    """Mixed into :class:`~dalearn.methods.base.DomainAdaptationModule` (before
    ``LightningModule``); its ``__init__`` calls ``save_hyperparameters`` and then
    :meth:`record_hyperparameters`."""

    def record_hyperparameters(self, classifier: nn.Module, optim: Mapping[str, Any]) -> None:
        """Add what ``save_hyperparameters(ignore=["classifier", "optim"])`` left out, and make
        every value plain data (Hydra hands nested arguments over as OmegaConf containers,
        which the trusted reader's weights-only load refuses — resuming would fail)."""
        for key, value in list(self.hparams.items()):
            self.hparams[key] = plain(value)
        self.hparams["classifier"] = classifier_spec(classifier)
        self.hparams["optim"] = {key: value for key, value in optim.items() if not callable(value)}

    @classmethod
    def load_from_checkpoint(
        cls,
        checkpoint_path: Union[str, Path, IO],
        map_location: Any = None,
        hparams_file: Optional[Union[str, Path]] = None,
        strict: Optional[bool] = None,
        **kwargs: Any,
    ):
        """Lightning's ``load_from_checkpoint``, read with ``weights_only=True`` (tensors and
        plain data only: a checkpoint cannot run code), and with the network rebuilt from the
        checkpoint's record unless ``classifier=`` is given — the record's config node is checked
        by :func:`dalearn.io.trusted.configs.check_config` first, so a checkpoint can only name
        the networks dalearn's own configs build. Other keyword arguments override the recorded
        hyperparameters."""
        if kwargs.get("weights_only") is False:
            raise ValueError("dalearn loads checkpoints with weights_only=True only (a checkpoint must not run code)")
        kwargs.pop("weights_only", None)
        if "classifier" not in kwargs:
            if hasattr(checkpoint_path, "read"):
                raise TypeError(
                    f"{cls.__name__}.load_from_checkpoint rebuilds the network from a checkpoint file's record: pass "
                    "the file's path, or pass classifier=<the network> with an open file"
                )
            checkpoint = load_checkpoint(checkpoint_path, key="checkpoint_path", mmap=True)
            spec = (checkpoint.get("hyper_parameters") or {}).get("classifier")
            if not isinstance(spec, Mapping):
                raise ValueError(
                    f"{checkpoint_path} does not record how its network was built (a checkpoint written before "
                    f"dalearn 0.2.0, or a network or backbone that dalearn did not build); pass it: "
                    f"{cls.__name__}.load_from_checkpoint(path, classifier=<the network>)"
                )
            kwargs["classifier"] = rebuild_classifier(spec, source=f"{checkpoint_path} (hyper_parameters.classifier)")
        return super().load_from_checkpoint(  # type: ignore[misc]
            checkpoint_path,
            map_location=map_location,
            hparams_file=hparams_file,
            strict=strict,
            weights_only=True,
            **kwargs,
        )

    def predict_step(self, batch: Any, batch_idx: int = 0, dataloader_idx: int = 0) -> torch.Tensor:
        """Class logits of a batch: images alone, ``(images, labels)`` or ``{"image": …}``
        (``logits.softmax(1)`` gives the probabilities, ``argmax(1)`` the classes)."""
        if isinstance(batch, Mapping):
            batch = batch["image"]
        elif isinstance(batch, (tuple, list)):
            batch = batch[0]
        return self(batch)
