"""The method contract: the network comes from the method's config (``method.classifier``) and
is injected; a method file builds no network and states no name; the base owns the one
optimiser path (with SGD's Nesterov rule), the returned dict and what the data is told."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest
import torch
from hydra.utils import get_class
from torchvision.transforms import v2

from dalearn.methods import DANN, MCD, SHOT, DomainAdaptationModule, SelfTraining
from dalearn.nn import ImageClassifier, MCDClassifier, bottleneck, build_backbone
from dalearn.run.config import CONFIG_DIR
from dalearn.run.factory import build_datamodule, build_model

METHODS_DIR = Path(__file__).resolve().parents[2] / "dalearn" / "methods"
METHOD_CONFIGS = sorted(path.stem for path in (Path(CONFIG_DIR) / "method").glob("*.yaml"))
#: the networks of dalearn.nn: a method file must not build one (its config does).
NETWORKS = {"ImageClassifier", "MCDClassifier", "MDDClassifier", "bottleneck", "afn_bottleneck", "build_backbone"}


@pytest.mark.parametrize("method", METHOD_CONFIGS)
def test_the_network_is_the_one_the_config_names(train_cfg, method):
    # SHOT's target stage loads a stage-1 checkpoint (tests/methods_new/test_shot_stages.py): built here as stage 1
    cfg = train_cfg([f"method={method}", *(["method.stage=source"] if method == "shot" else [])])
    model = build_model(cfg, num_classes=10)
    assert type(model.classifier) is get_class(cfg.method.classifier._target_)
    assert model.backbone is model.classifier.backbone and model.num_classes == 10
    assert model.name == cfg.method.name
    if "bottleneck_dim" in cfg.method.classifier and cfg.method.classifier._target_.endswith("ImageClassifier"):
        assert model.classifier.features_dim == (cfg.method.classifier.bottleneck_dim or model.backbone.out_features)


#: not method files: conventions.py rebuilds the network a checkpoint records (load_from_checkpoint).
NOT_METHODS = {"conventions.py"}


@pytest.mark.parametrize(
    "path", sorted(p for p in METHODS_DIR.glob("*.py") if p.name not in NOT_METHODS), ids=lambda p: p.name
)
def test_a_method_file_builds_no_network_and_states_no_name(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    called = {
        node.func.id if isinstance(node.func, ast.Name) else node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute))
    }
    assert not called & NETWORKS, f"{path.name} builds {sorted(called & NETWORKS)}: name the network in its config"
    for cls in (node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)):
        assigned = {t.id for node in cls.body if isinstance(node, ast.Assign) for t in node.targets if hasattr(t, "id")}
        assert "name" not in assigned, f"{path.name}: {cls.name} states its name; the config's method.name is the one"


def lenet_network(bottleneck_dim: int = 32) -> ImageClassifier:
    return ImageClassifier(build_backbone("lenet", pretrained=False), 10, bottleneck, bottleneck_dim)


@pytest.mark.parametrize("momentum,nesterov", [(0.9, True), (0.0, False)])
def test_one_optimiser_path_turns_nesterov_off_without_momentum(momentum, nesterov):
    optimizer = functools.partial(torch.optim.SGD, lr=0.5, momentum=momentum, weight_decay=1e-4, nesterov=True)
    model = DANN(lenet_network(), optim={"optimizer": optimizer, "lr": 0.02, "backbone_lr_mult": 0.1})
    built = model.configure_optimizers()["optimizer"]
    assert type(built) is torch.optim.SGD
    assert [group["lr"] for group in built.param_groups] == pytest.approx([0.002, 0.02, 0.02])
    assert {(group["momentum"], group["nesterov"], group["weight_decay"]) for group in built.param_groups} == {
        (momentum, nesterov, 1e-4)
    }


def test_mcd_generator_gets_its_own_momentum_through_the_same_path():
    optimizer = functools.partial(torch.optim.SGD, momentum=0.9, weight_decay=5e-4, nesterov=True)
    model = MCD(MCDClassifier(build_backbone("lenet", pretrained=False), 10, 16), optim={"optimizer": optimizer})
    (opt_g, opt_f), schedulers = model.configure_optimizers()
    assert (opt_g.param_groups[0]["momentum"], opt_g.param_groups[0]["nesterov"]) == (0.0, False)
    assert (opt_f.param_groups[0]["momentum"], opt_f.param_groups[0]["nesterov"]) == (0.9, True)
    assert len(schedulers) == 2


def test_outputs_is_the_objective_and_the_tensors_regularisers_read():
    model = DANN(lenet_network(), trade_off=0.3)
    cls_loss, transfer_loss, y_s, f_t = torch.tensor(2.0), torch.tensor(5.0), torch.ones(2, 10), torch.ones(3, 32)
    out = model.outputs(cls_loss=cls_loss, transfer_loss=transfer_loss, logits=(y_s, None), features=(None, f_t))
    assert list(out) == ["loss", "cls_loss", "transfer_loss", "logits_s", "features_t"]
    assert float(out["loss"]) == pytest.approx(2.0 + 0.3 * 5.0)
    assert model.outputs(torch.tensor(7.0), extra=None, im_loss=torch.tensor(1.0)).keys() == {"loss", "im_loss"}


def test_a_method_without_an_objective_is_refused_at_setup():
    class Empty(DomainAdaptationModule):
        pass

    with pytest.raises(TypeError, match="Empty must implement compute_losses"):
        Empty(lenet_network()).setup("fit")


def test_what_each_method_needs_from_the_data_is_read_from_class_and_config():
    assert DANN.training_data({}) == {"uses_source": True, "target_views": (), "strong_augmentation": None}
    assert SHOT.training_data({"stage": "source"})["uses_source"] is True
    assert SHOT.training_data({"stage": "target"})["uses_source"] is False
    assert SHOT.training_data({"stage": "target"})["target_views"] == ("index",)
    assert type(SelfTraining.training_data({})["strong_augmentation"]) is v2.RandAugment
    svhn = SelfTraining.training_data({"strong_augmentation": "autoaugment_svhn"})["strong_augmentation"]
    assert type(svhn) is v2.AutoAugment and svhn.policy == v2.AutoAugmentPolicy.SVHN
    with pytest.raises(ValueError, match="method.stage must be one of"):
        SHOT.training_data({"stage": "both"})


@pytest.mark.parametrize(
    "overrides,uses_source,views,strong",
    [
        (["method=dann"], True, (), type(None)),
        (["method=shot"], False, ("index",), type(None)),
        (["method=self_training_svhn"], True, ("strong",), v2.AutoAugment),
        (
            [
                "method=self_training",
                "+data.strong_augmentation={_target_: torchvision.transforms.v2.TrivialAugmentWide}",
            ],
            True,
            ("strong",),
            v2.TrivialAugmentWide,
        ),
    ],
)
def test_the_factory_tells_the_datamodule(train_cfg, overrides, uses_source, views, strong):
    datamodule = build_datamodule(train_cfg(overrides))
    assert (datamodule.uses_source, datamodule.target_views) == (uses_source, views)
    assert type(datamodule.strong_augmentation) is strong
    assert ("source_val" in datamodule.eval_roles) is uses_source
