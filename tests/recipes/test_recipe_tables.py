"""The recipe tables and the files generated from them (experiment configs, sweep configs, the
result tables' reference): the checked-in files are what the tables generate (so a hand edit
or a forgotten regeneration fails here), the check names each stale, missing or orphan file
with the command that fixes it, adding a method is one row — in the next sweep and result
table with no other edit — and a misspelt key or a number YAML reads as text is an error
naming the table, the row and the key."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml
from hydra import compose, initialize_config_dir

from dalearn.cli.recipes import main
from dalearn.recipes import RecipeTableError, load_table, load_tables, render_experiment, render_reference
from dalearn.recipes.paths import CONF_DIR, TABLE_DIR

BENCHMARKS = ["office31", "office_home", "visda", "domainnet", "offline"]  # by each table's order
WRITE = "dalearn-recipes --write"


@pytest.fixture
def tree(tmp_path):
    """A copy of the config folder, of the tables and of the reference, to break and repair; the
    generated files are regenerated once, as their headers name the copied tables."""
    conf, tables = tmp_path / "conf", tmp_path / "tables"
    shutil.copytree(CONF_DIR, conf)
    tables.mkdir()
    for path in TABLE_DIR.glob("*.yaml"):
        shutil.copy(path, tables / path.name)
    assert main(["--write", *where(conf, tables)]) == 0
    return conf, tables


def where(conf, tables) -> list[str]:
    """The command-line arguments that point the generator at the copies."""
    return ["--conf", str(conf), "--tables", str(tables), "--reference", str(conf.parent / "reference.json")]


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_checked_in_configs_are_what_the_tables_generate(capsys):
    code, out, err = run(capsys, "--check")
    assert code == 0, err
    tables = load_tables()
    assert f"{sum(len(t.recipes) for t in tables)} experiment configs" in out
    assert [t.benchmark for t in tables] == BENCHMARKS
    for table in tables:
        generated = sorted(p.stem for p in (CONF_DIR / "experiment" / table.benchmark).glob("*.yaml"))
        assert generated == sorted(r.method for r in table.recipes)


def test_generated_file_says_where_it_comes_from_and_sets_exactly_the_row():
    table = load_table(TABLE_DIR / "visda.yaml")
    text = render_experiment(table, table.recipe("mdd"))
    lines = text.splitlines()
    assert lines[0] == "# @package _global_"
    assert lines[1] == f"# GENERATED from dalearn/recipes/visda.yaml by `{WRITE}`;"
    assert "do not edit by hand" in lines[2]
    body = yaml.safe_load(text)
    assert body.pop("defaults") == [
        {"override /data": "visda"},
        {"override /method": "mdd"},
        {"override /backbone": "resnet101"},
        {"override /trainer": "gpu"},
    ]
    assert body == {
        "optim": {"lr": 0.004, "lr_gamma": 0.0002, "weight_decay": 0.0005},
        "method": {"classifier": {"bottleneck_dim": 1024, "width": 1024}},
        "trainer": {"max_epochs": 30},
        "data": {"iters_per_epoch": 1000, "batch_size": 36},
    }
    mcd = yaml.safe_load(render_experiment(table, table.recipe("mcd")))
    assert type(mcd["method"]["trade_off"]) is float and type(mcd["trainer"]["max_epochs"]) is int


def test_hand_edit_is_named_with_the_command_and_write_restores_it(tree, capsys):
    conf, tables = tree
    capsys.readouterr()
    target = conf / "experiment" / "office31" / "mcd.yaml"
    original = target.read_text(encoding="utf-8")
    target.write_text(original.replace("trade_off: 10.0", "trade_off: 11.0"), encoding="utf-8")
    code, _, err = run(capsys, "--check", *where(conf, tables))
    assert code == 1
    assert f"{target} is stale" in err and "row mcd of" in err and WRITE in err
    assert err.count("\n") == 1  # only that file
    code, out, _ = run(capsys, "--write", *where(conf, tables))
    assert code == 0 and f"wrote {target}" in out and "1 changed" in out
    assert target.read_text(encoding="utf-8") == original
    assert run(capsys, "--check", *where(conf, tables))[0] == 0


def test_missing_and_orphan_files(tree, capsys):
    conf, tables = tree
    experiments = conf / "experiment"
    (experiments / "visda" / "dan.yaml").unlink()
    shutil.copy(experiments / "visda" / "jan.yaml", experiments / "visda" / "old_method.yaml")
    hand_written = experiments / "office31" / "my_try.yaml"
    hand_written.write_text("# @package _global_\noptim:\n  lr: 0.5\n", encoding="utf-8")
    code, _, err = run(capsys, "--check", *where(conf, tables))
    assert code == 1
    assert f"{experiments / 'visda' / 'dan.yaml'} is missing: row dan of" in err
    assert f"{experiments / 'visda' / 'old_method.yaml'} has no recipe: add a row old_method to" in err
    assert f"{hand_written} has no recipe" in err and "it is hand-written" in err
    code, out, err = run(capsys, "--write", *where(conf, tables))
    assert code == 1, "a hand-written orphan is left, and reported"
    assert (experiments / "visda" / "dan.yaml").is_file() and not (experiments / "visda" / "old_method.yaml").exists()
    assert hand_written.is_file() and f"{hand_written} has no recipe" in err
    hand_written.unlink()
    assert run(capsys, "--check", *where(conf, tables))[0] == 0


def test_adding_a_method_is_one_row_and_it_is_in_the_next_sweep_and_table(tree, capsys):
    conf, tables = tree
    (conf / "method" / "toy.yaml").write_text(
        (conf / "method" / "dann.yaml").read_text(encoding="utf-8").replace("name: dann", "name: toy"), encoding="utf-8"
    )
    with (tables / "office31.yaml").open("a", encoding="utf-8") as table:
        table.write(
            "  toy: {label: Toy, paper: 50.5, lr: 0.02, trade_off: 0.5, epochs: 3, iters: 7, method: {hidden_size: 64}}\n"
        )
    before = {p: p.read_text(encoding="utf-8") for p in (conf / "experiment").rglob("*.yaml")}
    capsys.readouterr()
    code, out, _ = run(capsys, "--write", *where(conf, tables))
    written = {line.split()[1] for line in out.splitlines() if line.startswith("wrote ")}
    office31 = {conf / "experiment" / "office31" / "toy.yaml", conf / "benchmark" / "office31.yaml"}
    offline = {conf / "experiment" / "offline" / "toy.yaml", conf / "benchmark" / "offline.yaml"}  # every_method
    assert code == 0 and written == {str(p) for p in office31 | offline | {conf.parent / "reference.json"}}
    after = {p: p.read_text(encoding="utf-8") for p in (conf / "experiment").rglob("*.yaml")}
    assert set(after) - set(before) == {p for p in office31 | offline if "experiment" in p.parts}
    assert all(after[p] == text for p, text in before.items())
    with initialize_config_dir(str(conf), version_base="1.3"):
        cfg = compose("train", overrides=["experiment=office31/toy"])
        sweep = compose("train", overrides=["benchmark=office31"], return_hydra_config=True).hydra.sweeper.params
    assert (cfg.method.name, cfg.method.trade_off, cfg.method.hidden_size) == ("toy", 0.5, 64)
    assert (cfg.optim.lr, cfg.optim.lr_gamma, cfg.trainer.max_epochs, cfg.data.iters_per_epoch) == (0.02, 0.001, 3, 7)
    assert (cfg.data.batch_size, cfg.backbone.name, cfg.trainer.accelerator) == (32, "torchvision/resnet50", "gpu")
    assert sweep.experiment.split(",")[-1] == "office31/toy"
    reference = json.loads((conf.parent / "reference.json").read_text(encoding="utf-8"))
    assert reference["methods"][-1] == ["toy", "Toy"]
    assert reference["datasets"]["office31"]["paper"]["numbers"]["toy"] == 50.5


def test_a_new_method_config_is_a_row_of_the_offline_sweep(tree, capsys):
    """The offline table takes every method config (every_method): a new method needs no row."""
    conf, tables = tree
    (conf / "method" / "toy.yaml").write_text(
        (conf / "method" / "dann.yaml").read_text(encoding="utf-8").replace("name: dann", "name: toy"), encoding="utf-8"
    )
    capsys.readouterr()
    code, out, _ = run(capsys, "--write", *where(conf, tables))
    assert code == 0 and f"wrote {conf / 'experiment' / 'offline' / 'toy.yaml'}" in out
    assert f"wrote {conf / 'benchmark' / 'offline.yaml'}" in out and "office31" not in out
    with initialize_config_dir(str(conf), version_base="1.3"):
        sweep = compose("train", overrides=["benchmark=offline"], return_hydra_config=True).hydra.sweeper.params
        cfg = compose("train", overrides=["experiment=offline/toy"])
    assert "offline/toy" in sweep.experiment.split(",") and cfg.method.name == "toy"


def test_a_label_given_twice_must_agree(tree):
    conf, tables = tree
    path = tables / "offline.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  dann: {}", "  dann: {label: Dann}"), encoding="utf-8")
    with pytest.raises(
        RecipeTableError, match=r"offline\.yaml, row dann: label 'Dann' differs from 'DANN' in .*office31\.yaml"
    ):
        render_reference(load_tables(tables, conf))


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "{lr: 0.01, method: {bottleneck_dims: 512}}",
            r"row dann: method\.bottleneck_dims is not a key of .*conf/method/dann\.yaml \(misspelt\?\)",
        ),
        ("{lr: 1e-3}", r"row dann: lr: '1e-3' is read as text; write the number with a decimal point"),
        ("{epochs: 2.5}", r"row dann: epochs must be a whole number, got 2\.5"),
        ("{learning_rate: 0.1}", r"row dann: unknown column 'learning_rate'; use one of"),
        ("{optim.momentun: 0.0}", r"row dann: optim\.momentun is not a key of .*conf/optim/sgd\.yaml"),
        ("{trade_off: 1.0, method: {trade_off: 2.0}}", r"row dann: method\.trade_off is given twice"),
        ("{backbone: resnet5}", r"row dann: there is no config backbone=resnet5 .*options: \["),
    ],
)
def test_bad_row_names_the_table_row_and_key(tree, row, message):
    conf, tables = tree
    path = tables / "office31.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  dann: ")
    end = text.index("\n", start)
    path.write_text(text[:start] + f"  dann: {row}" + text[end:], encoding="utf-8")
    with pytest.raises(RecipeTableError, match=message) as caught:
        load_table(path, conf)
    assert str(path) in str(caught.value)


def test_row_for_a_method_without_config_is_an_error(tree, capsys):
    conf, tables = tree
    with (tables / "visda.yaml").open("a", encoding="utf-8") as table:
        table.write("  tent: {lr: 0.01}\n")
    code, _, err = run(capsys, "--check", *where(conf, tables))
    assert code == 2
    assert "row tent: there is no config method=tent" in err and "'dann'" in err


def test_the_generator_imports_neither_hydra_nor_torch():
    import subprocess
    import sys

    code = "import sys, dalearn.cli.recipes; print(sorted({'torch', 'hydra', 'lightning', 'omegaconf'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
