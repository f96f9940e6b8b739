"""Lightning's conventions for every method: the constructor's arguments in the checkpoint, so
that ``DANN.load_from_checkpoint(path)`` rebuilds the trained method with no other argument,
and a ``predict_step``, so that ``Trainer.predict`` gives class logits.

What the checkpoint records (``checkpoint["hyper_parameters"]``, plain data only, so that it is
read with ``torch.load(weights_only=True)`` like every dalearn checkpoint):

- the method's own arguments (``num_classes``, ``bottleneck_dim``, ``trade_off``,
  ``regularizers``, …), collected by Lightning's ``save_hyperparameters`` from the subclass's
  ``__init__`` down to the base's;
- ``backbone``: how to rebuild the architecture (``{"name": "resnet50", "in_chans": 3}``, set
  by :func:`dalearn.nn.build_backbone`) — not its weights, which the state dict holds, so a
  pretrained backbone is rebuilt without downloading anything;
- ``optim``: the optimiser settings without the optimiser factory (a callable is no plain
  data); pass ``optim=…`` to :meth:`load_from_checkpoint` to continue training with another.

A backbone that :func:`~dalearn.nn.build_backbone` did not build records ``None``; such a
checkpoint is loaded with ``Method.load_from_checkpoint(path, backbone=my_backbone)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any, Mapping, Optional, Union

import torch
from torch import nn

from dalearn.io.trusted.checkpoints import load_checkpoint
from dalearn.nn import build_backbone

#: the attribute :func:`dalearn.nn.build_backbone` sets on what it builds.
SPEC_ATTRIBUTE = "dalearn_spec"


def backbone_spec(backbone: nn.Module) -> Optional[dict[str, Any]]:
    """``build_backbone``'s arguments for ``backbone``'s architecture, or None if unknown."""
    spec = getattr(backbone, SPEC_ATTRIBUTE, None)
    return dict(spec) if isinstance(spec, Mapping) else None


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


class LightningConventions:
    """Mixed into :class:`~dalearn.methods.base.DomainAdaptationModule` (before
    ``LightningModule``); its ``__init__`` calls ``save_hyperparameters`` and then
    :meth:`record_hyperparameters`."""

    def record_hyperparameters(self, backbone: nn.Module, optim: Mapping[str, Any]) -> None:
        """Add what ``save_hyperparameters(ignore=["backbone", "optim"])`` left out, and make
        every value plain data (Hydra hands nested arguments over as OmegaConf containers,
        which ``torch.load(weights_only=True)`` refuses — resuming would fail)."""
        for key, value in list(self.hparams.items()):
            self.hparams[key] = plain(value)
        self.hparams["backbone"] = backbone_spec(backbone)
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
        plain data only: a checkpoint cannot run code), and with the backbone rebuilt from the
        checkpoint's record unless ``backbone=`` is given. Other keyword arguments override the
        recorded hyperparameters."""
        if kwargs.get("weights_only") is False:
            raise ValueError("dalearn loads checkpoints with weights_only=True only (a checkpoint must not run code)")
        kwargs.pop("weights_only", None)
        if "backbone" not in kwargs:
            if hasattr(checkpoint_path, "read"):
                raise TypeError(
                    f"{cls.__name__}.load_from_checkpoint rebuilds the backbone from a checkpoint file's record: pass "
                    "the file's path, or pass backbone=build_backbone(...) with an open file"
                )
            checkpoint = load_checkpoint(checkpoint_path, key="checkpoint_path", mmap=True)
            spec = (checkpoint.get("hyper_parameters") or {}).get("backbone")
            if not isinstance(spec, Mapping):
                raise ValueError(
                    f"{checkpoint_path} does not record how its backbone was built (a checkpoint written before "
                    f"dalearn 0.2.0, or a backbone not made by dalearn.nn.build_backbone); pass it: "
                    f"{cls.__name__}.load_from_checkpoint(path, backbone=build_backbone(...))"
                )
            kwargs["backbone"] = build_backbone(**spec)  # the architecture; the weights come from the state dict
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
