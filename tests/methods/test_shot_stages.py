"""SHOT: stage 1 trains the source model; stage 2 starts from its checkpoint, adapts on the
target alone with the head frozen, and never loads a source image."""

from __future__ import annotations

import pytest
import torch

from dalearn.data.tensor_dataset import TensorImageDataset
from dalearn.run.training import train

#: one worker trains the module's stage-1 model, not each worker.
pytestmark = pytest.mark.xdist_group("shot_stages")


@pytest.fixture(scope="module")
def stage1(tmp_path_factory):
    from tests.conftest import compose_train

    run_dir = tmp_path_factory.mktemp("shot") / "stage1"
    cfg = compose_train(["debug=fast", "method=shot_source"], run_dir)
    _, objects = train(cfg)
    return run_dir, objects["model"]


def test_stage1_uses_label_smoothing_and_no_target(stage1):
    run_dir, model = stage1
    assert model.stage == "source" and model.uses_source and model.label_smoothing == 0.1
    assert model.trained_scores == frozenset()  # stage 1 is plain cross-entropy: no score is its objective
    assert (run_dir / "checkpoints" / "last.ckpt").is_file()


def test_stage2_never_loads_a_source_image(stage1, train_cfg, monkeypatch):
    run_dir, _ = stage1
    original = TensorImageDataset.__getitem__
    target_reads = []

    def guarded(self, index):
        if "-clean-" in self.name:  # digits clean2drift: the source domain is "clean"
            raise AssertionError(f"SHOT's target stage loaded source image {index} of {self.name}")
        target_reads.append(index)
        return original(self, index)

    monkeypatch.setattr(TensorImageDataset, "__getitem__", guarded)
    cfg = train_cfg(["method=shot", f"method.source_ckpt={run_dir}"], name="stage2")
    metrics, objects = train(cfg)
    model, datamodule = objects["model"], objects["datamodule"]
    assert target_reads, "the target images were read"
    assert "source_val" not in datamodule.eval_roles
    assert "val/src_acc" not in metrics["history"][0]
    assert metrics["trains_on"] == ["bnm", "entropy", "ima"]  # information maximisation, recorded for dalearn-select
    assert model.pseudo_labels is not None and len(model.pseudo_labels) == len(datamodule.target["train"])


def test_stage2_keeps_the_head_and_changes_the_features(stage1, train_cfg):
    run_dir, _ = stage1
    checkpoint = torch.load(run_dir / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)["state_dict"]
    _, objects = train(train_cfg(["method=shot", f"method.source_ckpt={run_dir / 'checkpoints' / 'last.ckpt'}"]))
    model = objects["model"]
    state = {f"classifier.{k}": v for k, v in model.classifier.state_dict().items()}
    head = [k for k in state if k.startswith("classifier.head.")]
    neck = [k for k in state if k.startswith("classifier.bottleneck.0.")]
    assert head and neck
    for key in head:
        torch.testing.assert_close(state[key], checkpoint[key], rtol=0, atol=0)
    assert any(not torch.equal(state[key], checkpoint[key]) for key in neck)
    trained = {id(p) for group in model.optimizers().optimizer.param_groups for p in group["params"]}
    assert not any(id(p) in trained for p in model.classifier.head.parameters())


def test_stage2_without_a_checkpoint_says_to_run_stage1(train_cfg, tmp_path):
    cfg = train_cfg(["method=shot", f"paths.output_root={tmp_path / 'nowhere'}"])
    with pytest.raises(FileNotFoundError, match="method.source_ckpt=.*must match exactly one checkpoint"):
        train(cfg)


@pytest.mark.slow
def test_stage2_refuses_a_checkpoint_of_another_architecture(tmp_path, train_cfg):
    cfg = train_cfg(["method=dann"], name="dann")
    train(cfg)
    with pytest.raises(ValueError, match="does not match this method's"):
        train(train_cfg(["method=shot", f"method.source_ckpt={tmp_path / 'dann'}"], name="shot"))
