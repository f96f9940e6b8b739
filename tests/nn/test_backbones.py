"""The backbone factory: offline pretrained EfficientNet-Lite0, local checkpoints, library
weight names, and the backbone configs. No test touches the network."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from hydra.utils import instantiate
from omegaconf import OmegaConf
from PIL import Image
from sklearn.datasets import load_sample_image
from timm.data import ImageNetInfo
from torchvision import transforms as T

from dalearn.nn import build_backbone
from dalearn.nn.pretrained import efficientnet_lite0, map_state_by_order

BACKBONE_CONFIGS = Path(__file__).resolve().parents[2] / "dalearn" / "conf" / "backbone"
BUILDINGS = {
    "palace",
    "church, church building",
    "bell cote, bell cot",
    "castle",
    "monastery",
    "mosque",
    "stupa, tope",
    "dome",
    "boathouse",
    "triumphal arch",
    "library",
    "planetarium",
    "altar",
    "barn",
    "cinema, movie theater, movie theatre, movie house, picture palace",
    "beacon, lighthouse, beacon light, pharos",
    "prison, prison house",
}


@pytest.fixture(scope="module")
def china() -> torch.Tensor:
    image = Image.fromarray(load_sample_image("china.jpg"))
    preprocess = T.Compose(
        [
            T.Resize(256),
            T.CenterCrop(224),
            T.ToTensor(),
            T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
        ]
    )
    return preprocess(image).unsqueeze(0)


@pytest.fixture(scope="module")
def offline_model() -> torch.nn.Module:
    return efficientnet_lite0().eval()


def top5(model: torch.nn.Module, x: torch.Tensor) -> list[tuple[str, float]]:
    info = ImageNetInfo()
    with torch.no_grad():
        probabilities = model.eval()(x).softmax(dim=1)[0]
    values, indices = probabilities.topk(5)
    return [(info.index_to_description(int(i)), float(v)) for v, i in zip(values, indices)]


def test_offline_efficientnet_lite0_sees_a_building(china, offline_model):
    ranked = top5(offline_model, china)
    assert ranked[0][0] in BUILDINGS, ranked
    assert sum(p for name, p in ranked if name in BUILDINGS) > 0.5, ranked


def test_untrained_efficientnet_lite0_does_not(china):
    import timm

    torch.manual_seed(0)
    ranked = top5(timm.create_model("efficientnet_lite0", pretrained=False), china)
    assert sum(p for name, p in ranked if name in BUILDINGS) < 0.5


def test_factory_features_are_the_pretrained_ones(china, offline_model):
    backbone = build_backbone("efficientnet_lite0", pretrained=True).eval()
    with torch.no_grad():
        expected = offline_model.forward_head(offline_model.forward_features(china), pre_logits=True)
        got = backbone(china)
    assert backbone.out_features == 1280 and got.shape == (1, 1280)
    torch.testing.assert_close(got, expected)
    scratch = build_backbone("efficientnet_lite0", pretrained=False)
    assert not torch.equal(scratch.model.conv_stem.weight, backbone.model.conv_stem.weight)


def test_positional_mapping_checks_shapes_and_counts():
    target = {"a": torch.zeros(2, 3), "b": torch.zeros(4)}
    mapped = map_state_by_order({"x": torch.ones(2, 3), "y": torch.ones(4)}, target, "ckpt.pth")
    assert list(mapped) == ["a", "b"] and torch.equal(mapped["a"], torch.ones(2, 3))
    with pytest.raises(ValueError, match=r"ckpt.pth: tensor y \(5,\) does not fit b \(4,\)"):
        map_state_by_order({"x": torch.ones(2, 3), "y": torch.ones(5)}, target, "ckpt.pth")
    with pytest.raises(ValueError, match="holds 1 tensors, the model expects 2"):
        map_state_by_order({"x": torch.ones(2, 3)}, target, "ckpt.pth")


def test_local_checkpoint_is_loaded(tmp_path):
    torch.manual_seed(1)
    source = build_backbone("torchvision/resnet18")
    path = tmp_path / "resnet18.pth"
    torch.save({"state_dict": source.model.state_dict()}, path)
    torch.manual_seed(2)
    loaded = build_backbone("torchvision/resnet18", weights=str(path))
    for (key, a), b in zip(source.model.state_dict().items(), loaded.model.state_dict().values()):
        assert torch.equal(a, b), key
    with pytest.raises(FileNotFoundError, match="missing.pth"):
        build_backbone("torchvision/resnet18", weights=str(tmp_path / "missing.pth"))
    torch.save({"other.weight": torch.zeros(1)}, tmp_path / "foreign.pth")
    with pytest.raises(ValueError, match="foreign.pth"):
        build_backbone("torchvision/resnet18", weights=str(tmp_path / "foreign.pth"))


def test_pretrained_names_reach_the_libraries(monkeypatch):
    import timm
    import torchvision

    seen = {}

    def fake_get_model(name, weights=None):
        seen["torchvision"] = (name, weights)
        return torchvision.models.resnet18()

    def fake_create_model(name, pretrained=False, **kwargs):
        seen["timm"] = (name, pretrained)
        return timm.models.resnet.resnet18(pretrained=False, **kwargs)

    monkeypatch.setattr(torchvision.models, "get_model", fake_get_model)
    monkeypatch.setattr(timm, "create_model", fake_create_model)
    build_backbone("torchvision/resnet50", pretrained="IMAGENET1K_V1")
    assert seen["torchvision"] == ("resnet50", "IMAGENET1K_V1")
    build_backbone("torchvision/resnet50", pretrained=True)
    assert seen["torchvision"] == ("resnet50", "DEFAULT")
    build_backbone("resnet50", pretrained="a1_in1k")
    assert seen["timm"] == ("resnet50.a1_in1k", True)
    build_backbone("timm/efficientnet_lite0", pretrained=True)
    assert seen["timm"] == ("efficientnet_lite0", True)
    with pytest.raises(ValueError, match="no weights 'IMAGENET1K_V9'.*IMAGENET1K_V1"):
        build_backbone("torchvision/resnet50", pretrained="IMAGENET1K_V9")


def test_lenet_unchanged():
    backbone = build_backbone("lenet")
    assert backbone(torch.zeros(2, 3, 28, 28)).shape == (2, backbone.out_features)
    with pytest.raises(ValueError, match="lenet has no pretrained weights"):
        build_backbone("lenet", pretrained=True)


@pytest.mark.parametrize(
    ("config", "features"),
    [
        pytest.param("resnet50", 2048, marks=pytest.mark.slow),
        pytest.param("resnet101", 2048, marks=pytest.mark.slow),
        ("resnet18", 512),
        pytest.param("vit_b16", 768, marks=pytest.mark.slow),
        ("efficientnet_lite0", 1280),
    ],
)
def test_backbone_configs_build(config, features):
    cfg = OmegaConf.load(BACKBONE_CONFIGS / f"{config}.yaml")
    if cfg.name != "efficientnet_lite0":
        cfg.pretrained = False
    backbone = instantiate(cfg)
    assert backbone.out_features == features
    with torch.no_grad():
        assert backbone(torch.zeros(1, 3, 224, 224)).shape == (1, features)
