"""Image embeddings for the generator and the drift reports: one backbone, loaded once, run
in batches, with the input normalisation that backbone expects.

``backbone="auto"`` picks ImageNet-pretrained ResNet-18 (torchvision, 512-d, the reference
generator's model) when its weights are already in torch's hub cache, and otherwise the
offline ImageNet-pretrained EfficientNet-Lite0 (:data:`OFFLINE_PRETRAINED`); nothing is
downloaded. Any other name goes to :func:`dalearn.nn.build_backbone` (``lenet``, timm or
``torchvision/<name>``), pretrained as asked.

Images and weights are kept channels-last (NHWC), about 1.7× faster for convolutions on CPU.

Pre-processing, per image: grayscale repeated to three channels; resized (bilinear, antialiased)
to ``image_size`` × ``image_size``; normalised ``(x − mean) / std`` with the backbone's own
statistics — timm's ``pretrained_cfg`` when the model has one, otherwise the ImageNet
statistics (torchvision's pretrained models) — unless ``mean``/``std`` are given. The reference
generator skipped this normalisation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence, Union

import torch
import torch.nn.functional as F
from torch import Tensor, nn

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
RESNET18 = "torchvision/resnet18"
OFFLINE_PRETRAINED = "efficientnet_lite0"


def resnet18_weights_cached() -> bool:
    """True when torchvision's ImageNet ResNet-18 weights are in the hub cache (no download)."""
    from torchvision.models import ResNet18_Weights

    filename = Path(ResNet18_Weights.DEFAULT.url).name
    return (Path(torch.hub.get_dir()) / "checkpoints" / filename).is_file()


def resolve_backbone(name: str, pretrained: Optional[bool]) -> tuple[str, bool]:
    """``(backbone name, pretrained)`` for ``name``; ``auto`` → ResNet-18 if cached, else the
    offline EfficientNet-Lite0, both pretrained. ``pretrained=None`` means True except for
    ``lenet`` (which has no weights)."""
    if name == "auto":
        return (RESNET18 if resnet18_weights_cached() else OFFLINE_PRETRAINED), True
    if pretrained is None:
        pretrained = name != "lenet"
    return name, bool(pretrained)


def backbone_normalization(backbone: nn.Module) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The mean/std a backbone's weights were trained with: timm's ``pretrained_cfg`` if the
    wrapped model has one, else the ImageNet statistics."""
    for module in (backbone, getattr(backbone, "model", None)):
        cfg = getattr(module, "pretrained_cfg", None)
        if isinstance(cfg, dict) and cfg.get("mean") and cfg.get("std"):
            return tuple(float(m) for m in cfg["mean"]), tuple(float(s) for s in cfg["std"])
    return IMAGENET_MEAN, IMAGENET_STD


class Embedder:
    """Embed images (float ``[C, H, W]`` in [0, 1], C = 1 or 3) with one backbone.

    Args:
        backbone: ``auto`` or a :func:`dalearn.nn.build_backbone` name.
        pretrained: load the library's pretrained weights (None: see :func:`resolve_backbone`).
        weights: a local checkpoint loaded into the backbone instead.
        image_size: side the images are resized to (224 for the ImageNet models).
        batch_size: images per forward pass.
        mean, std: override the normalisation (three values each).
        device: where the backbone runs.
        model: an already-built backbone (with ``out_features``) to use instead of building one.
    """

    def __init__(
        self,
        backbone: str = "auto",
        pretrained: Optional[bool] = None,
        weights: Optional[str] = None,
        image_size: int = 224,
        batch_size: int = 64,
        mean: Optional[Sequence[float]] = None,
        std: Optional[Sequence[float]] = None,
        device: Union[str, torch.device] = "cpu",
        model: Optional[nn.Module] = None,
    ) -> None:
        if image_size < 1 or batch_size < 1:
            raise ValueError(f"image_size and batch_size must be positive, got {image_size}, {batch_size}")
        if model is None:
            from dalearn.nn import build_backbone

            self.name, pretrained = resolve_backbone(backbone, pretrained)
            model = build_backbone(self.name, pretrained=pretrained, weights=weights)
        else:
            self.name = type(model).__name__
        default_mean, default_std = backbone_normalization(model)
        mean = tuple(mean) if mean is not None else default_mean
        std = tuple(std) if std is not None else default_std
        if len(mean) != 3 or len(std) != 3 or any(s <= 0 for s in std):
            raise ValueError(f"mean and std need three values each and std > 0, got {mean}, {std}")
        self.device = torch.device(device)
        self.model = model.to(self.device, memory_format=torch.channels_last).eval()
        self.out_features = int(model.out_features)
        self.image_size = int(image_size)
        self.batch_size = int(batch_size)
        self.mean = torch.tensor(mean, device=self.device).view(1, 3, 1, 1)
        self.std = torch.tensor(std, device=self.device).view(1, 3, 1, 1)

    def _resize(self, x: Tensor) -> Tensor:
        x = x.to(self.device, torch.float32)
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        if x.shape[-2:] != (self.image_size, self.image_size):
            size = (self.image_size, self.image_size)
            x = F.interpolate(x, size=size, mode="bilinear", antialias=True, align_corners=False)
        return x

    def preprocess(self, images: Union[Tensor, Sequence[Tensor]]) -> Tensor:
        """Repeat gray to RGB, resize to ``image_size``, normalise; returns ``[N, 3, S, S]``.
        ``images``: one ``[N, C, H, W]`` tensor, or a sequence of ``[C, H, W]`` of any sizes."""
        if isinstance(images, Tensor):
            x = self._resize(images)
        elif len({tuple(image.shape) for image in images}) == 1:
            x = self._resize(torch.stack(list(images)))
        else:
            x = torch.cat([self._resize(image.unsqueeze(0)) for image in images])
        return ((x - self.mean) / self.std).contiguous(memory_format=torch.channels_last)

    @torch.no_grad()
    def __call__(self, images: Union[Tensor, Sequence[Tensor]]) -> Tensor:
        """Embeddings ``[N, out_features]`` (float32, on the CPU) of ``images``."""
        chunks = []
        for start in range(0, len(images), self.batch_size):
            batch = self.preprocess(images[start : start + self.batch_size])
            chunks.append(self.model(batch).float().cpu())
        if not chunks:
            return torch.empty(0, self.out_features)
        return torch.cat(chunks)
