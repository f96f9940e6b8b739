"""dalearn.io.trusted.checkpoints: errors that name the file, the key it came from and what to
do — for a damaged, a foreign and a code-carrying file, one without a state dict, and a weights
file of the wrong shape; and the module stays importable with torch alone."""

from __future__ import annotations

import ast
import io
import os
from pathlib import Path

import pytest
import torch

from dalearn.io.trusted.checkpoints import CheckpointError, load_checkpoint, load_state_dict

MODULE = Path(__file__).resolve().parents[2] / "dalearn" / "io" / "trusted" / "checkpoints.py"


def test_a_checkpoint_of_tensors_and_plain_data_loads(tmp_path):
    path = tmp_path / "best.ckpt"
    torch.save({"state_dict": {"w": torch.ones(3)}, "dalearn_history": [{"epoch": 0, "val/tgt_acc": 0.5}]}, path)
    loaded = load_checkpoint(path)
    assert torch.equal(loaded["state_dict"]["w"], torch.ones(3)) and loaded["dalearn_history"][0]["epoch"] == 0


def test_a_truncated_checkpoint_is_named_damaged(tmp_path):
    buffer = io.BytesIO()
    torch.save({"state_dict": {"w": torch.randn(64, 64)}}, buffer)
    path = tmp_path / "last.ckpt"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    with pytest.raises(CheckpointError, match=r"method.source_ckpt=.*last.ckpt is damaged.*truncated.*; retrain"):
        load_checkpoint(path, key="method.source_ckpt", advice="retrain")


def test_a_text_file_is_not_a_checkpoint(tmp_path):
    path = tmp_path / "weights.pth"
    path.write_text("not a checkpoint\n")
    with pytest.raises(CheckpointError, match=r"backbone.weights=.* is not a readable PyTorch checkpoint.*b'not '"):
        load_checkpoint(path, key="backbone.weights")


def test_a_missing_file_names_the_key(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"ckpt_path=.*nothing.ckpt does not exist; give another"):
        load_checkpoint(tmp_path / "nothing.ckpt", advice="give another")


def test_a_lightning_checkpoint_needs_a_state_dict(tmp_path):
    path = tmp_path / "x.ckpt"
    torch.save({"weights": {"w": torch.ones(1)}}, path)
    with pytest.raises(CheckpointError, match=r"no 'state_dict' \(found \['weights'\]\)"):
        load_checkpoint(path)
    assert load_checkpoint(path, lightning_checkpoint=False)["weights"]["w"].item() == 1.0


def test_a_weights_file_may_be_bare_or_wrapped_but_holds_tensors(tmp_path):
    bare, wrapped, odd = tmp_path / "bare.pth", tmp_path / "wrapped.ckpt", tmp_path / "odd.pth"
    torch.save({"w": torch.ones(2)}, bare)
    torch.save({"model": {"w": torch.ones(2)}, "epoch": 3}, wrapped)
    torch.save({"w": [1, 2]}, odd)
    assert set(load_state_dict(bare, "backbone.weights")) == {"w"}
    assert set(load_state_dict(wrapped, "backbone.weights")) == {"w"}
    with pytest.raises(CheckpointError, match=r"backbone.weights=.*odd.pth holds no state dict of tensors"):
        load_state_dict(odd, "backbone.weights")


def test_a_pickled_function_reference_is_refused_with_its_name(tmp_path):
    path = tmp_path / "evil.ckpt"
    torch.save({"state_dict": {}, "hook": os.system}, path)
    with pytest.raises(CheckpointError, match=r"was refused: loading it would call (posix|os)\.system"):
        load_checkpoint(path, key="ckpt_path")


def test_the_checkpoint_reader_imports_torch_and_the_standard_library_only():
    """So that dalearn.nn (backbone.weights) can use it without Lightning, Hydra or OmegaConf."""
    import sys

    tree = ast.parse(MODULE.read_text(encoding="utf-8"))
    tops = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    tops |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    third_party = {name for name in tops if name not in sys.stdlib_module_names and name != "__future__"}
    assert third_party == {"torch"}
