"""The collapse check in a real (debug-sized) run: every epoch of metrics.json's history holds
val/collapse/flag and the diagnostics, each flagged epoch gets exactly one warning in the log,
and a Source-Only reference adds the agreement, computed with that model's own predictions."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import torch

from dalearn.run.collapse_monitor import reference_classifier, warning
from dalearn.run.training import train

KEYS = {"flag", "mean_entropy_ratio", "top_share", "top_class", "top_share_ratio"}


def history(cfg) -> list[dict]:
    return json.loads((Path(cfg.paths.run_dir) / "metrics.json").read_text())["history"]


def collapse_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "dalearn" and r.levelno == logging.WARNING]


def test_flag_diagnostics_and_one_warning_per_flagged_epoch(train_cfg, caplog):
    # thresholds that flag any epoch whose predictions are less even than the source labels
    cfg = train_cfg(
        [
            "method=self_training",
            "trainer.max_epochs=2",
            "collapse.min_entropy_ratio=1.0",
            "collapse.max_top_share_ratio=1.0",
        ]
    )
    caplog.set_level(logging.INFO, logger="dalearn")
    train(cfg)
    records = history(cfg)
    assert len(records) == 2
    flagged = []
    for record in records:
        found = {key[len("val/collapse/") :] for key in record if key.startswith("val/collapse/")}
        assert found == KEYS, found
        expected = record["val/collapse/mean_entropy_ratio"] < 1.0 or record["val/collapse/top_share_ratio"] > 1.0
        assert record["val/collapse/flag"] == (1.0 if expected else 0.0)
        assert 0.0 < record["val/collapse/top_share"] <= 1.0
        if expected:
            flagged.append(record["epoch"])
    messages = collapse_warnings(caplog)
    assert flagged and len(messages) == len(flagged)
    for epoch, message in zip(flagged, messages):
        assert message.startswith(f"epoch {epoch}: the target predictions look collapsed")
        assert "val/collapse/flag = 1 in metrics.json" in message and "What to do" in message


def test_healthy_thresholds_warn_about_nothing(train_cfg, caplog):
    cfg = train_cfg(["method=source_only", "collapse.max_top_share_ratio=100", "collapse.min_entropy_ratio=0"])
    caplog.set_level(logging.INFO, logger="dalearn")
    train(cfg)
    assert [r["val/collapse/flag"] for r in history(cfg)] == [0.0]
    assert collapse_warnings(caplog) == []


def test_disabled_records_nothing(train_cfg):
    cfg = train_cfg(["method=source_only", "collapse.enabled=false"])
    train(cfg)
    assert not any(key.startswith("val/collapse/") for key in history(cfg)[0])


def test_reference_adds_the_agreement_with_that_model(train_cfg):
    source = train_cfg(["method=source_only"], name="source_only")
    _, objects = train(source)
    cfg = train_cfg(["method=dann", f"collapse.reference_ckpt={source.paths.run_dir}", "collapse.min_kappa=1.0"])
    metrics, run = train(cfg)
    (record,) = history(cfg)
    assert 0.0 <= record["val/collapse/agreement"] <= 1.0 and -1.0 <= record["val/collapse/kappa"] <= 1.0
    assert record["val/collapse/flag"] == (1.0 if record["val/collapse/kappa"] < 1.0 else 0.0)
    # the reference rebuilt from the checkpoint predicts as the trained Source-Only module does
    source_model = objects["model"].eval()
    reference = reference_classifier(run["model"].backbone, 10, source.paths.run_dir).eval()
    x = torch.rand(16, 3, 28, 28)
    with torch.no_grad():
        torch.testing.assert_close(reference.predict(x), source_model(x))
    # and the recorded agreement is that of the two models on the target validation images
    datamodule = run["datamodule"]
    model = run["model"].eval()
    agree, total = 0, 0
    with torch.no_grad():
        for x, _ in datamodule.val_dataloader()[0]:
            agree += int((model(x).argmax(1) == reference.predict(x).argmax(1)).sum())
            total += x.size(0)
    assert record["val/collapse/agreement"] == pytest.approx(agree / total)


def test_reference_of_another_architecture_is_refused_by_name(tmp_path):
    from dalearn.nn import build_backbone

    path = tmp_path / "other.ckpt"
    torch.save(
        {"state_dict": {"classifier.head.weight": torch.zeros(3, 7), "classifier.head.bias": torch.zeros(3)}}, path
    )
    with pytest.raises(ValueError, match=r"collapse.reference_ckpt: the classifier in .*other.ckpt does not match"):
        reference_classifier(build_backbone("lenet", pretrained=False), 10, str(path))
    with pytest.raises(FileNotFoundError, match="collapse.reference_ckpt"):
        reference_classifier(build_backbone("lenet", pretrained=False), 10, str(tmp_path / "missing-*"))


def test_warning_names_what_was_seen():
    record = {
        "epoch": 4,
        "val/collapse/mean_entropy_ratio": 0.2,
        "val/collapse/top_share": 0.91,
        "val/collapse/top_class": 1.0,
        "val/collapse/top_share_ratio": 8.9,
        "val/collapse/agreement": 0.08,
        "val/collapse/kappa": 0.01,
        "val/collapse/flag": 1.0,
    }
    thresholds = {"min_entropy_ratio": 0.5, "max_top_share_ratio": 3.0, "min_kappa": 0.1}
    text = warning(record, thresholds, ["zero", "one"])
    assert text.startswith("epoch 4: the target predictions look collapsed")
    assert "0.20 of the entropy of the source class prior" in text
    assert "91 % of the target images are predicted as class 1 ('one'), 8.9×" in text
    assert "on 8 % of the target images, no more than chance (Cohen's kappa 0.01" in text
