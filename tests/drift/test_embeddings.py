"""The embedding model: which backbone ``auto`` picks, its normalisation, batching, and that
the generator builds it once."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from drift_helpers import read

from dalearn.drift import ImageDatasetGenerator
from dalearn.drift.embeddings import IMAGENET_MEAN, IMAGENET_STD, Embedder, backbone_normalization, resolve_backbone


class Recorder(torch.nn.Module):
    """Mean of each input channel, recording the batch sizes it sees."""

    out_features = 3

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[int] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.batches.append(len(x))
        return x.mean(dim=(2, 3))


def test_auto_prefers_cached_resnet18_else_offline_efficientnet(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    assert resolve_backbone("auto", None) == ("efficientnet_lite0", True)
    from torchvision.models import ResNet18_Weights

    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / Path(ResNet18_Weights.DEFAULT.url).name).write_bytes(b"")
    assert resolve_backbone("auto", None) == ("torchvision/resnet18", True)
    assert resolve_backbone("lenet", None) == ("lenet", False)
    assert resolve_backbone("timm/resnet18", False) == ("timm/resnet18", False)


def test_offline_efficientnet_uses_its_pretrained_normalisation() -> None:
    embedder = Embedder("efficientnet_lite0", image_size=32, batch_size=4)
    cfg = embedder.model.model.pretrained_cfg
    assert tuple(embedder.mean.flatten().tolist()) == pytest.approx(cfg["mean"])
    assert tuple(embedder.std.flatten().tolist()) == pytest.approx(cfg["std"])
    assert embedder.out_features == 1280
    assert embedder(torch.rand(3, 1, 28, 28)).shape == (3, 1280)
    assert backbone_normalization(torch.nn.Identity()) == (IMAGENET_MEAN, IMAGENET_STD)


def test_preprocess_batches_and_normalises() -> None:
    model = Recorder()
    embedder = Embedder(model=model, image_size=8, batch_size=4, mean=(0.5, 0.25, 0.0), std=(0.5, 0.25, 1.0))
    gray = torch.full((10, 1, 8, 8), 0.75)
    out = embedder(gray)
    assert model.batches == [4, 4, 2]
    torch.testing.assert_close(out, torch.tensor([[0.5, 2.0, 0.75]]).expand(10, 3))
    mixed = [torch.full((3, 5, 7), 0.5), torch.full((1, 12, 12), 0.5)]
    torch.testing.assert_close(embedder(mixed), torch.tensor([[0.0, 1.0, 0.5]]).expand(2, 3))
    with pytest.raises(ValueError, match="three values"):
        Embedder(model=Recorder(), mean=(0.5,), std=(0.5,))


def test_generator_builds_the_embedder_once(tree: Path, tmp_path: Path, monkeypatch) -> None:
    built = []

    class Counting(Embedder):
        def __init__(self, **kwargs) -> None:
            built.append(kwargs)
            super().__init__(model=Recorder(), image_size=8, batch_size=5)

    monkeypatch.setattr("dalearn.drift.generator.Embedder", Counting)
    gen = ImageDatasetGenerator(seed=0, input_path=tree, compute_embeddings=True, embedder={"backbone": "x"})
    gen.sample(7, tmp_path / "a")
    gen.sample(7, tmp_path / "b")
    assert built == [{"backbone": "x"}]
    assert gen.embedder().model.batches == [5, 2, 5, 2]
    assert len(read(tmp_path / "b", "embeddings")["embedding"]) == 7
