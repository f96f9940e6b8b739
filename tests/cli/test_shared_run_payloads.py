"""Every entry point that reads a run directory, a config or a checkpoint a user is given
refuses each real payload before it runs — and the file the payload would create does not
exist afterwards. Config payloads are planted in both ``config.yaml`` and
``.hydra/config.yaml`` of a run directory (and in an explicit ``run_config`` / ``--config``
file); checkpoint payloads in the checkpoint each entry point reads. A control test shows that
each payload does create its file when it is read without the trusted reader."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf
from shared_run_payloads import (
    CALLED_LATER,
    CONFIG_PAYLOADS,
    PICKLE_PAYLOADS,
    copy_run,
    hostile_checkpoint,
    naive_instantiate,
    plant,
    prepare_lab,
)

from dalearn.io.ownership import write_marker
from dalearn.io.trusted.checkpoints import CheckpointError
from dalearn.io.trusted.configs import UntrustedConfigError
from dalearn.run.config import CONFIG_DIR
from dalearn.run.resolvers import run_hash


def compose_config(name: str, overrides: list[str]):
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        return compose(config_name=name, overrides=overrides)


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory) -> Path:
    """A run directory as dalearn-train leaves it (digits, DANN on LeNet), with a real
    checkpoint of the model's weights — made without training."""
    from dalearn.run.factory import build_model

    run = tmp_path_factory.mktemp("shared") / "digits_clean2drift" / "dann" / "seed0-run"
    cfg = compose_config("train", ["debug=fast"])
    cfg.paths.run_dir = str(run)
    model = build_model(cfg, 10)
    (run / ".hydra").mkdir(parents=True)
    (run / ".hydra" / "config.yaml").write_text(OmegaConf.to_yaml(cfg))
    (run / "config.yaml").write_text(OmegaConf.to_yaml(cfg, resolve=True))
    checkpoint = {"state_dict": model.state_dict(), "epoch": 0, "global_step": 3, "dalearn_history": []}
    (run / "checkpoints").mkdir()
    for name in ("best.ckpt", "last.ckpt"):
        torch.save(checkpoint, run / "checkpoints" / name)
    write_marker(run, "run", run_hash=run_hash(cfg))
    return run


@pytest.fixture
def lab(tmp_path, monkeypatch):
    """(marker file the payload would create, folder of what the payloads reach for)."""
    marker = tmp_path / "created-by-payload"
    prepare_lab(tmp_path / "lab", marker, monkeypatch)
    return marker, tmp_path / "lab"


# ---------------------------------------------------------------------------- config payloads
def eval_cfg(ckpt: Path, *extra: str):
    return compose_config("eval", [f"ckpt_path={ckpt}", *extra])


def config_entry(entry: str, run: Path, clean: Path, tmp_path: Path, planted_file: Path):
    """Run the entry point ``entry`` on the hostile ``run``; raises what it raises."""
    from dalearn.analysis import analyze
    from dalearn.run.evaluation import evaluate

    best = run / "checkpoints" / "best.ckpt"
    if entry == "dalearn-eval (.hydra/config.yaml)":
        return evaluate(eval_cfg(best))
    if entry == "dalearn-eval (config.yaml)":
        shutil.rmtree(run / ".hydra")
        return evaluate(eval_cfg(best))
    if entry == "dalearn-eval run_config=":
        return evaluate(eval_cfg(clean / "checkpoints" / "best.ckpt", f"run_config={planted_file}"))
    if entry == "dalearn-analyze RUN":
        return analyze(run, out=tmp_path / "analysis")
    if entry == "dalearn-analyze --baseline":
        return analyze(clean, out=tmp_path / "analysis", baseline=run)
    if entry == "dalearn-analyze --config":
        return analyze(best, out=tmp_path / "analysis", config=planted_file)
    raise AssertionError(entry)


CONFIG_ENTRIES = [
    "dalearn-eval (.hydra/config.yaml)",
    "dalearn-eval (config.yaml)",
    "dalearn-eval run_config=",
    "dalearn-analyze RUN",
    "dalearn-analyze --baseline",
    "dalearn-analyze --config",
]


@pytest.mark.parametrize("entry", CONFIG_ENTRIES)
@pytest.mark.parametrize("payload", sorted(CONFIG_PAYLOADS))
def test_a_config_payload_is_refused_by_every_entry_point(payload, entry, clean_run, lab, tmp_path):
    marker, lab_dir = lab
    location, node = CONFIG_PAYLOADS[payload]
    run = copy_run(clean_run, tmp_path / "run")
    for file in (run / "config.yaml", run / ".hydra" / "config.yaml"):
        plant(file, location, node(marker, lab_dir))
    planted_file = tmp_path / "given.yaml"
    shutil.copy(run / "config.yaml", planted_file)
    with pytest.raises(UntrustedConfigError) as error:
        config_entry(entry, run, clean_run, tmp_path, planted_file)
    assert not marker.exists(), f"the {payload} payload ran through {entry}"
    message = str(error.value)
    assert ("trust_config=true" if "eval" in entry else "--trust-config") in message
    assert not (run / "eval.json").exists() and not (tmp_path / "analysis").exists()


@pytest.mark.parametrize("payload", sorted(CONFIG_PAYLOADS))
def test_each_config_payload_is_real_without_the_reader(payload, clean_run, lab, tmp_path):
    """The control: resolved by OmegaConf and built as Hydra builds a config when no policy
    stands in the way (and called where dalearn would call what it built: the optimiser
    factory), each payload creates its file."""
    marker, lab_dir = lab
    location, node = CONFIG_PAYLOADS[payload]
    file = tmp_path / "config.yaml"
    shutil.copy(clean_run / "config.yaml", file)
    plant(file, location, node(marker, lab_dir))
    subtree = OmegaConf.to_container(OmegaConf.load(file), resolve=True)[location[0]]
    try:
        built = naive_instantiate(subtree)
        if payload in CALLED_LATER:
            built["optimizer"]()
    except Exception:
        pass  # the payload ran before the surrounding constructor failed
    assert marker.exists(), f"the {payload} payload is not a real one"


def test_analyze_refuses_on_the_command_line_with_status_2(clean_run, lab, tmp_path, capsys):
    from dalearn.cli.analyze import main

    marker, lab_dir = lab
    run = copy_run(clean_run, tmp_path / "run")
    plant(run / "config.yaml", ("data",), CONFIG_PAYLOADS["os.system"][1](marker, lab_dir))
    assert main([str(run)]) == 2
    err = capsys.readouterr().err
    assert "data._target_='os.system'" in err and "--trust-config" in err
    assert not marker.exists() and not (run / "analysis").exists()


def test_the_clean_run_evaluates(clean_run, tmp_path):
    """The refusals above come from the payloads, not from a broken run directory."""
    from dalearn.run.evaluation import evaluate

    result = evaluate(eval_cfg(clean_run / "checkpoints" / "best.ckpt", f"output={tmp_path / 'eval.json'}"))
    assert any(key.endswith("tgt_mean_class_acc") for key in result["results"]) and (tmp_path / "eval.json").is_file()


# ---------------------------------------------------------------------------- checkpoint payloads
def checkpoint_entry(entry: str, hostile: Path, clean: Path, tmp_path: Path):
    """Read the ``hostile`` checkpoint through ``entry``; raises what it raises."""
    if entry == "dalearn-eval ckpt_path=":
        from dalearn.run.evaluation import evaluate

        run = copy_run(clean, tmp_path / "run")
        target = run / "checkpoints" / "best.ckpt"
        target.unlink()
        shutil.copy(hostile, target)
        return evaluate(eval_cfg(target))
    if entry in ("dalearn-analyze RUN", "dalearn-analyze --baseline"):
        from dalearn.analysis import analyze

        run = copy_run(clean, tmp_path / "run")
        (run / "checkpoints" / "best.ckpt").unlink()
        shutil.copy(hostile, run / "checkpoints" / "best.ckpt")
        if entry == "dalearn-analyze RUN":
            return analyze(run, out=tmp_path / "analysis")
        return analyze(clean, out=tmp_path / "analysis", baseline=run)
    if entry in ("dalearn-train ckpt_path=", "dalearn-train resume=true"):
        from dalearn.run.training import train

        cfg = compose_config("train", ["debug=fast"])
        cfg.paths.run_dir = str(tmp_path / "train-run")
        if entry == "dalearn-train ckpt_path=":
            cfg.ckpt_path = str(hostile)
        else:
            cfg.resume = True
            write_marker(cfg.paths.run_dir, "run", run_hash=run_hash(cfg))  # its own run, killed
            (Path(cfg.paths.run_dir) / "checkpoints").mkdir()
            shutil.copy(hostile, Path(cfg.paths.run_dir) / "checkpoints" / "last.ckpt")
        return train(cfg)
    from dalearn.nn import build_backbone

    if entry == "method.source_ckpt (SHOT)":
        from dalearn.methods import SHOT
        from dalearn.nn import ImageClassifier

        return SHOT(
            ImageClassifier(build_backbone("lenet"), 10, bottleneck_dim=16), stage="target", source_ckpt=str(hostile)
        )
    if entry == "method.init_ckpt (self-training)":
        from dalearn.methods import SelfTraining
        from dalearn.nn import ImageClassifier

        return SelfTraining(ImageClassifier(build_backbone("lenet"), 10, bottleneck_dim=16), init_ckpt=str(hostile))
    if entry == "backbone.weights":
        return build_backbone("lenet", weights=str(hostile))
    if entry == "DomainGapSummary.load":
        from dalearn.metrics import DomainGapSummary

        return DomainGapSummary.load(hostile)
    raise AssertionError(entry)


CHECKPOINT_ENTRIES = [
    "dalearn-eval ckpt_path=",
    "dalearn-analyze RUN",
    "dalearn-analyze --baseline",
    "dalearn-train ckpt_path=",
    "dalearn-train resume=true",
    "method.source_ckpt (SHOT)",
    "method.init_ckpt (self-training)",
    "backbone.weights",
    "DomainGapSummary.load",
]


@pytest.mark.parametrize("entry", CHECKPOINT_ENTRIES)
@pytest.mark.parametrize("payload", sorted(PICKLE_PAYLOADS))
def test_a_pickled_callable_is_refused_by_every_checkpoint_reader(payload, entry, clean_run, lab, tmp_path):
    marker, lab_dir = lab
    hostile = hostile_checkpoint(tmp_path / "hostile.ckpt", PICKLE_PAYLOADS[payload](marker, lab_dir))
    with pytest.raises(ValueError) as error:  # CheckpointError, or the summary's ValueError around it
        checkpoint_entry(entry, hostile, clean_run, tmp_path)
    assert not marker.exists(), f"the {payload} payload ran through {entry}"
    assert "was refused: loading it would call" in str(error.value) and "weights_only=True" in str(error.value)
    assert isinstance(error.value, CheckpointError) or "DomainGap summary" in str(error.value)


@pytest.mark.parametrize("payload", sorted(PICKLE_PAYLOADS))
def test_each_pickle_payload_is_real_without_the_reader(payload, lab, tmp_path):
    marker, lab_dir = lab
    hostile = hostile_checkpoint(tmp_path / "hostile.ckpt", PICKLE_PAYLOADS[payload](marker, lab_dir))
    torch.load(hostile, weights_only=False)
    assert marker.exists()
