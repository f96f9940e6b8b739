"""The experiment recipes and benchmark sweeps: every dataset × method composes with the
published hyperparameters, a two-step training run works on each generated tree, and a
missing root stops a run before any work."""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

from dalearn.data.benchmarks import get_benchmark
from dalearn.data.benchmarks.domains import DatasetNotReadyError
from dalearn.data.benchmarks.fake_tree import make_fake_tree
from dalearn.run.config import CONFIG_DIR
from dalearn.run.training import train

METHODS = ("source_only", "dann", "dan", "jan", "cdan", "mcd", "mdd")
# Published optimiser settings per method (lr, lr_gamma, weight decay); MCD has no schedule.
OPTIM = {
    "source_only": (0.001, 0.0003, 0.0005),
    "dann": (0.01, 0.001, 0.001),
    "cdan": (0.01, 0.001, 0.001),
    "dan": (0.003, 0.0003, 0.0005),
    "jan": (0.003, 0.0003, 0.0005),
    "mcd": (0.001, 0.0, 0.0005),
    "mdd": (0.004, 0.0002, 0.0005),
}
# Published (epochs, iterations per epoch) per dataset and method.
SCHEDULE = {
    "office31": {
        "source_only": (5, 500),
        "dann": (20, 1000),
        "dan": (20, 500),
        "jan": (20, 500),
        "cdan": (20, 1000),
        "mcd": (20, 500),
        "mdd": (20, 1000),
    },
    "office_home": {
        "source_only": (5, 500),
        "dann": (30, 1000),
        "dan": (20, 500),
        "jan": (20, 500),
        "cdan": (30, 1000),
        "mcd": (20, 500),
        "mdd": (30, 1000),
    },
    "visda": {
        "source_only": (20, 1000),
        "dann": (30, 1000),
        "dan": (20, 500),
        "jan": (20, 500),
        "cdan": (30, 1000),
        "mcd": (20, 500),
        "mdd": (30, 1000),
    },
    "domainnet": {
        "source_only": (20, 2500),
        "dann": (30, 2500),
        "dan": (30, 2500),
        "jan": (30, 2500),
        "cdan": (30, 2500),
        "mcd": (30, 2500),
        "mdd": (40, 5000),
    },
}
BACKBONE = {
    "office31": "torchvision/resnet50",
    "office_home": "torchvision/resnet50",
    "visda": "torchvision/resnet101",
    "domainnet": "torchvision/resnet101",
}
# Small and fast on the CPU: LeNet on 32 × 32 crops, two iterations of batch 4.
TINY = [
    "trainer=cpu",
    "backbone=lenet",
    "data.num_workers=0",
    "data.batch_size=4",
    "data.iters_per_epoch=2",
    "trainer.max_epochs=1",
    "trainer.enable_progress_bar=false",
    "data.train_transform.size=32",
    "data.train_transform.resize=40",
    "data.eval_transform.size=32",
    "data.eval_transform.resize=40",
]


def compose_train(overrides: list[str]):
    with initialize_config_dir(CONFIG_DIR, version_base="1.3"):
        return compose("train", overrides=overrides, return_hydra_config=False)


@functools.lru_cache(maxsize=None)
def recipe(experiment: str):
    """The composed config of one experiment (cached: composing takes a few tenths of a second)."""
    return compose_train([f"experiment={experiment}", "data.root=/nowhere"])


@pytest.mark.parametrize("dataset", list(SCHEDULE))
def test_every_recipe_has_the_published_hyperparameters(dataset):
    for method in METHODS:
        cfg = recipe(f"{dataset}/{method}")
        lr, gamma, wd = OPTIM[method]
        if (dataset, method) == ("domainnet", "source_only"):
            lr = 0.01
        assert (cfg.optim.lr, cfg.optim.lr_gamma, cfg.optim.weight_decay) == (lr, gamma, wd), (dataset, method)
        assert (cfg.trainer.max_epochs, cfg.data.iters_per_epoch) == SCHEDULE[dataset][method], (dataset, method)
        assert cfg.method.name == method and cfg.backbone.name == BACKBONE[dataset]
        assert cfg.backbone.pretrained == "IMAGENET1K_V1"
        assert cfg.data.name.startswith(dataset) and cfg.trainer.accelerator == "gpu"
        assert cfg.data.batch_size == (36 if (dataset, method) == ("visda", "mdd") else 32)
    crops = {d: recipe(f"{d}/dann").data.train_transform.crop for d in SCHEDULE}
    assert crops == {"office31": "random", "office_home": "random", "visda": "center", "domainnet": "random"}


def test_method_specific_recipe_values():
    def method(name: str):
        return recipe(name).method

    assert [method(f"{d}/mcd").trade_off for d in SCHEDULE] == [10.0, 30.0, 1.0, 120.0]
    assert [(method(f"{d}/mdd").bottleneck_dim, method(f"{d}/mdd").width) for d in SCHEDULE] == [
        (1024, 1024),
        (2048, 2048),
        (1024, 1024),
        (2048, 2048),
    ]
    cdan = method("domainnet/cdan")
    assert (cdan.randomized, cdan.randomized_dim, cdan.bottleneck_dim) == (True, 51200, 1024)
    assert [method(f"{d}/dann").bottleneck_dim for d in SCHEDULE] == [256, 256, 256, 1024]
    assert recipe("office31/mcd").optim.backbone_lr_mult == 1.0


@pytest.mark.parametrize("dataset", list(SCHEDULE))
def test_benchmark_sweep_covers_every_task_method_and_seed(dataset):
    with initialize_config_dir(CONFIG_DIR, version_base="1.3"):
        cfg = compose("train", overrides=[f"benchmark={dataset}"], return_hydra_config=True)
    params = cfg.hydra.sweeper.params
    assert params["experiment"].split(",") == [f"{dataset}/{m}" for m in METHODS]
    assert tuple(params["data.task"].split(",")) == get_benchmark(dataset).tasks
    assert params["seed"] == "0,1,2"
    assert cfg.hydra.mode.name == "MULTIRUN"
    assert cfg.hydra.sweep.dir.endswith(f"benchmark/{dataset}")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("dataset", "method", "task", "evaluated"),
    [
        ("office31", "dann", "W2D", "target_val"),
        ("office_home", "mdd", "Pr2Rw", "target_val"),
        ("visda", "mcd", "Synthetic2Real", "target_val"),
        ("domainnet", "jan", "s2q", "target_test"),
    ],
)
def test_two_step_training_on_each_generated_tree(tmp_path, dataset, method, task, evaluated):
    root = make_fake_tree(dataset, tmp_path / "data", images_per_class=2, num_classes=4)
    run_dir = tmp_path / "run"
    cfg = compose_train(
        [f"experiment={dataset}/{method}", f"data.task={task}", f"data.root={root}", f"paths.run_dir={run_dir}", *TINY]
    )
    metrics, objects = train(cfg)
    assert metrics["epochs"] == 1 and len(metrics["history"]) == 1 and metrics["tgt_eval_split"] == evaluated
    assert metrics["tgt_acc"] == metrics["history"][0][f"{'test' if evaluated == 'target_test' else 'val'}/tgt_acc"]
    oracle_metric = "val/tgt_mean_class_acc" if dataset == "visda" else "val/tgt_acc"
    assert metrics["oracle_metric"] == oracle_metric and cfg.selection.monitor == oracle_metric
    source, target = objects["datamodule"].source["train"], objects["datamodule"].target["train"]
    spec = get_benchmark(dataset)
    assert Path(source.list_file) == root / spec.domain(task.split("2")[0]).lists[spec.train_split]
    assert Path(target.list_file) == root / spec.domain(task.split("2")[1]).lists[spec.train_split]
    assert (run_dir / "metrics.json").is_file()


def test_missing_root_stops_before_any_work(tmp_path):
    run_dir = tmp_path / "run"
    cfg = compose_train(
        ["experiment=office31/dann", f"data.root={tmp_path / 'empty'}", f"paths.run_dir={run_dir}", *TINY]
    )
    with pytest.raises(DatasetNotReadyError) as caught:
        train(cfg)
    message = str(caught.value)
    assert f"{tmp_path / 'empty'}/amazon/images/<class>/*.jpg" in message
    assert f"dalearn-data download office31 --root {tmp_path / 'empty'}" in message
    assert not (run_dir / "checkpoints").exists() and not (run_dir / "config.yaml").exists()


@pytest.mark.slow
def test_benchmark_sweep_launches_its_runs(tmp_path):
    """``benchmark=`` alone switches to a sweep (no -m); single values narrow the grid to one run."""
    root = make_fake_tree("office31", tmp_path / "data", images_per_class=2, num_classes=3)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "dalearn.train",
            "benchmark=office31",
            "seed=0",
            "data.task=D2A",
            "experiment=office31/source_only",
            f"data.root={root}",
            f"paths.output_root={tmp_path / 'out'}",
            *TINY,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    runs = [
        p.parent.relative_to(tmp_path / "out" / "benchmark" / "office31").parts[:2]
        for p in (tmp_path / "out").rglob("metrics.json")
    ]
    assert runs == [("office31_D2A", "source_only")]
