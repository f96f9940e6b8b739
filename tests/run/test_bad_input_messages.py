"""Bad input that used to fail late or unclearly now stops with a message that names the
file, key or value and says what to do — before any training where it can be known."""

from __future__ import annotations

import io
import signal
import subprocess
from pathlib import Path

import pytest
import torch
from omegaconf import OmegaConf
from PIL import Image

from dalearn.io.ownership import write_marker
from dalearn.run.checkpoint_io import CheckpointError
from dalearn.run.resolvers import run_hash
from dalearn.run.training import train


def test_a_truncated_jpeg_names_its_path_when_the_loader_reaches_it(tmp_path):
    from torch.utils.data import DataLoader

    from dalearn.data.image_list import ImageList

    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 30, 30)).save(buffer, format="JPEG")
    (tmp_path / "good.jpg").write_bytes(buffer.getvalue())
    (tmp_path / "cut.jpg").write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    (tmp_path / "list.txt").write_text("good.jpg 0\ncut.jpg 1\n")
    images = ImageList(tmp_path, tmp_path / "list.txt", ["a", "b"])
    loader = DataLoader(images, batch_size=2, collate_fn=lambda batch: batch)
    with pytest.raises(OSError) as error:
        next(iter(loader))
    message = str(error.value)
    assert str(tmp_path / "cut.jpg") in message and "dalearn-data verify" in message


@pytest.mark.timeout(120)
def test_endless_max_epochs_is_refused_naming_the_keys(train_cfg, tmp_path):
    cfg = train_cfg(["trainer.max_epochs=-1"], name="endless")
    with pytest.raises(
        ValueError, match=r"trainer.max_epochs=-1 means no epoch limit, and trainer.max_steps is not set"
    ):
        train(cfg)
    assert not (tmp_path / "endless" / "config.yaml").exists()


def test_endless_epochs_with_a_step_limit_pass_the_check(train_cfg):
    from dalearn.run.training import check_epochs

    check_epochs(train_cfg(["trainer.max_epochs=-1", "+trainer.max_steps=5"]))


def test_a_text_file_as_ckpt_path_is_refused_before_training(train_cfg, tmp_path):
    text = tmp_path / "notes.ckpt"
    text.write_text("these are my notes\n")
    cfg = train_cfg([f"ckpt_path={text}"], name="text-ckpt")
    with pytest.raises(CheckpointError, match=rf"ckpt_path={text} is not a readable PyTorch checkpoint .*zip archive"):
        train(cfg)
    assert not (tmp_path / "text-ckpt" / "config.yaml").exists()


def test_a_text_file_given_to_eval_names_the_file(train_cfg, tmp_path):
    from dalearn.run.evaluation import evaluate

    run = tmp_path / "run"
    (run / "checkpoints").mkdir(parents=True)
    (run / "config.yaml").write_text(OmegaConf.to_yaml(train_cfg(), resolve=True))
    (run / "checkpoints" / "best.ckpt").write_text("not a checkpoint\n")
    cfg = OmegaConf.create(
        {"ckpt_path": str(run / "checkpoints" / "best.ckpt"), "trainer": {"accelerator": "cpu", "devices": 1}}
    )
    with pytest.raises(CheckpointError, match=r"best.ckpt is not a readable PyTorch checkpoint .*pass a checkpoint"):
        evaluate(cfg)


def test_a_truncated_last_checkpoint_with_resume_says_what_to_do(train_cfg, tmp_path):
    cfg = train_cfg(["resume=true"], name="truncated")
    write_marker(cfg.paths.run_dir, "run", run_hash=run_hash(cfg))  # the run directory of a killed run
    checkpoints = Path(cfg.paths.run_dir) / "checkpoints"
    checkpoints.mkdir(parents=True)
    buffer = io.BytesIO()
    torch.save({"state_dict": {"w": torch.randn(256, 256)}, "global_step": 3}, buffer)
    (checkpoints / "last.ckpt").write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    with pytest.raises(CheckpointError) as error:
        train(cfg)
    message = str(error.value)
    assert f"{checkpoints / 'last.ckpt'} is damaged" in message and "truncated" in message
    assert "delete it (or run without resume=true" in message
    assert not (Path(cfg.paths.run_dir) / "config.yaml").exists()


@pytest.mark.slow
def test_ctrl_c_prints_the_resume_hint(tmp_path):
    from tests.conftest import LONG_RUN, train_command, wait_for

    # SIGINT back to its default in the child: a test session started in the background by a
    # non-interactive shell (nohup … &) inherits SIGINT ignored, and Python then installs no
    # KeyboardInterrupt handler — the run would finish as if Ctrl-C had never been pressed.
    process = subprocess.Popen(
        train_command(tmp_path, *LONG_RUN),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    wait_for("runs/*/*/*/checkpoints/last.ckpt", tmp_path, process)
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=120)
    assert process.returncode != 0, output[-3000:]
    assert "training interrupted; continue it with resume=true" in output, output[-2000:]


def test_cdan_with_a_wrong_class_count_names_the_shapes():
    from dalearn.losses import ConditionalDomainAdversarialLoss
    from dalearn.nn import DomainDiscriminator

    loss = ConditionalDomainAdversarialLoss(DomainDiscriminator(8 * 10, 16))
    g, f = torch.randn(4, 12), torch.randn(4, 8)
    with pytest.raises(ValueError, match=r"takes 80 inputs.*8 × 12 = 96.*12 classes.*num_classes"):
        loss(g, f, g, f)


def test_dann_on_an_integer_tensor_names_the_argument():
    from dalearn.losses import DomainAdversarialLoss
    from dalearn.nn import DomainDiscriminator

    loss = DomainAdversarialLoss(DomainDiscriminator(8, 16))
    with pytest.raises(ValueError, match=r"f_s must be a floating-point tensor .*torch.int64.*f_s.float\(\)"):
        loss(torch.ones(4, 8, dtype=torch.long), torch.ones(4, 8, dtype=torch.long))


def test_mdd_with_nan_logits_returns_nan_not_a_finite_loss():
    from dalearn.losses.mdd import MarginDisparityDiscrepancy

    loss = MarginDisparityDiscrepancy()
    y = torch.randn(4, 5)
    bad = y.clone()
    bad[1, 2] = float("nan")
    assert torch.isfinite(loss(y, y, y, y))
    assert torch.isnan(loss(bad, y, y, y)) and torch.isnan(loss(y, y, bad, y))
