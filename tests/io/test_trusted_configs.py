"""dalearn.io.trusted.configs: the allow-list is exactly what dalearn's shipped configs build
(plus a short justified list), docs/security.md shows it as the code renders it, and the whole tree
of a config — nested targets, lists, ``_args_``, ``_partial_``, interpolations and resolvers —
is checked before anything is built."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from dalearn.io.trusted import render
from dalearn.io.trusted.allowlist import EXTRA_CALLABLES, SAFE_RESOLVERS, SHIPPED_CALLABLES, TRUSTED_CALLABLES
from dalearn.io.trusted.configs import UntrustedConfigError, check_config, interpolation_problem, load_config
from dalearn.run.config import CONFIG_DIR

PACKAGE = Path(__file__).resolve().parents[2] / "dalearn"
SECURITY_PAGE = Path(__file__).resolve().parents[2] / "docs" / "security.md"


def shipped_targets() -> set[str]:
    """Every ``_target_`` value written in a YAML file of the package (conf/ and recipes/)."""
    found: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "_target_":
                    found.add(str(value))
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in PACKAGE.rglob("*.yaml"):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            walk(document)
    return found


def test_the_allow_list_is_exactly_what_the_shipped_configs_build():
    targets = shipped_targets()
    literal = {t for t in targets if "${" not in t}
    patterns = [re.compile(re.sub(r"\\\$\\\{[^}]*\\\}", r"\\w+", re.escape(t)) + "$") for t in targets - literal]
    assert literal <= set(SHIPPED_CALLABLES), f"add to SHIPPED_CALLABLES: {sorted(literal - set(SHIPPED_CALLABLES))}"
    for pattern in patterns:  # e.g. dalearn.data.offline.${data.source_dataset}
        assert any(pattern.match(name) for name in SHIPPED_CALLABLES), pattern.pattern
    unused = {n for n in SHIPPED_CALLABLES if n not in literal and not any(p.match(n) for p in patterns)}
    assert not unused, f"SHIPPED_CALLABLES names callables no shipped config uses: {sorted(unused)}"
    assert len(SHIPPED_CALLABLES) == len(set(SHIPPED_CALLABLES))


def test_the_extra_callables_are_few_and_each_has_its_reason():
    assert len(EXTRA_CALLABLES) <= 4
    assert all(len(reason) > 20 for reason in EXTRA_CALLABLES.values())
    assert not set(EXTRA_CALLABLES) & set(SHIPPED_CALLABLES)
    assert all(not name.endswith(".") and name.count(".") >= 2 for name in TRUSTED_CALLABLES), "exact names only"


def test_the_security_page_lists_what_the_code_trusts(capsys):
    from dalearn.cli.trusted import main

    assert main(["--markdown"]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed == render.markdown()
    text = SECURITY_PAGE.read_text(encoding="utf-8")
    start, end = text.index(render.BEGIN), text.index(render.END) + len(render.END)
    assert text[start:end] == render.markdown(), "regenerate with `python -m dalearn.cli.trusted --markdown`"
    for name in TRUSTED_CALLABLES:
        assert name.rsplit(".", 1)[1] in printed


def compose_train(*overrides: str):
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        return compose(config_name="train", overrides=list(overrides))


@pytest.mark.parametrize(
    "overrides",
    [
        [],
        ["data=office31", "backbone=resnet50"],
        ["data=drifted", "data.path=/tmp/none"],
        ["data=custom", "data.source.path=/a", "data.target.path=/b"],
        ["data=custom", "data/source=offline", "data/target=drift_folder", "data.target.path=/d"],
        ["experiment=office31/shot"],
        ["experiment=offline/self_training_svhn", "logger=tensorboard", "trainer=ddp_cpu"],
        [
            "data.train_transform={_target_:torchvision.transforms.v2.AutoAugment,"
            "policy:{_target_:torchvision.transforms.v2.AutoAugmentPolicy,value:svhn}}"
        ],
    ],
    ids=["default", "office31", "drifted", "custom", "custom-mixed", "shot", "self-training-ddp", "autoaugment"],
)
def test_dalearn_own_configs_pass_unresolved_and_resolved(overrides, tmp_path):
    cfg = compose_train(*overrides)
    check_config(cfg, "composed")  # as .hydra/config.yaml holds it: interpolations unresolved
    cfg.paths.run_dir = str(tmp_path)
    resolved = tmp_path / "config.yaml"
    resolved.write_text(OmegaConf.to_yaml(cfg, resolve=True))
    assert load_config(resolved).method._target_.startswith("dalearn.methods.")


BASE = {"data": {"_target_": "dalearn.data.DomainAdaptationDataModule", "name": "x"}, "seed": 0}


@pytest.mark.parametrize(
    "tree,names",
    [
        ({"data": {"_target_": "builtins.open", "file": "x", "mode": "w"}}, ["data._target_='builtins.open'"]),
        ({"backbone": {"_target_": "torch.utils.collect_env.run", "command": "touch x"}}, ["collect_env.run"]),
        ({"data": {"source": {"train": {"_target_": "os.system"}}}}, ["data.source.train._target_='os.system'"]),
        ({"callbacks": {"a": {"b": [{"_target_": "subprocess.run"}]}}}, ["callbacks.a.b[0]._target_"]),
        ({"evil": "torch.hub.load", "method": {"_target_": "${evil}"}}, ["method._target_='torch.hub.load'"]),
        ({"data": {"_target_": "dalearn.data.offline.${seed}"}}, ["'dalearn.data.offline.0'"]),
        ({"backbone": {"_target_": "dalearn.nn.build_backbone", "_args_": ["lenet"]}}, ["backbone._args_"]),
        ({"optim": {"_target_": "torch.optim.SGD", "_partial_": "${seed}"}}, ["optim._partial_"]),
        ({"data": "${oc.create:'{_target_: builtins.open}'}"}, ["'oc.create'"]),
        ({"data": {"name": "${oc.decode:'{_target_: os.system}'}"}}, ["data.name=", "'oc.decode'"]),
        ({"data": {"root": "${oc.env:HOME}"}}, ["environment variable 'HOME'"]),
        ({"data": {"root": "${oc.env:'${seed}'}"}}, ["environment variable"]),
        ({"data": {"name": "${${seed}:x}"}}, ["whose name is computed"]),
        ({"data": {"name": "x${my_resolver:1}"}}, ["'my_resolver'"]),
        ({"data": {"name": "${oc.select:a,${oc.env:SECRET}}"}}, ["'SECRET'"]),
        ({"data": {"_target_": 7}}, ["data._target_=7"]),
        ({"_target_": "os.system"}, ["_target_='os.system'"]),
    ],
    ids=[
        "builtins.open",
        "collect_env.run",
        "three-levels-deep",
        "in-a-list",
        "interpolated-target",
        "interpolated-target-resolved",
        "_args_",
        "_partial_-interpolated",
        "oc.create",
        "oc.decode",
        "oc.env-other-variable",
        "oc.env-computed-variable",
        "dynamic-resolver-name",
        "unknown-resolver",
        "nested-in-safe-resolver",
        "non-string-target",
        "root-target",
    ],
)
def test_anything_outside_the_lists_is_refused_naming_file_key_and_value(tree, names, tmp_path):
    cfg = OmegaConf.merge(OmegaConf.create(BASE), OmegaConf.create(tree))
    source = tmp_path / "config.yaml"
    with pytest.raises(UntrustedConfigError) as error:
        check_config(cfg, source)
    message = str(error.value)
    assert str(source) in message and "trust_config=true" in message
    for name in names:
        assert name in message
    check_config(cfg, source, trust=True)  # the explicit way past


def test_data_only_reading_checks_resolvers_but_not_targets(tmp_path):
    cfg = OmegaConf.create({"method": {"_target_": "my.own.Method", "name": "mine"}, "seed": 0})
    check_config(cfg, "x", build=False)
    with pytest.raises(UntrustedConfigError, match="'HOME'"):
        check_config(OmegaConf.create({"data": {"name": "${oc.env:HOME}"}}), "x", build=False)


def test_the_safe_resolvers_are_the_ones_the_shipped_configs_use_and_dalearn_registers():
    used = set()
    for path in PACKAGE.rglob("*.yaml"):
        used |= set(re.findall(r"\$\{([a-zA-Z_.]+):", path.read_text(encoding="utf-8")))
    assert used <= set(SAFE_RESOLVERS), sorted(used - set(SAFE_RESOLVERS))
    import dalearn.run.resolvers  # noqa: F401  (registers dalearn's)

    assert all(OmegaConf.has_resolver(name) for name in SAFE_RESOLVERS if name != "hydra")
    assert interpolation_problem("${oc.env:DALEARN_DATA,data}/office31") is None
    assert interpolation_problem("${source_domain:${.task}}") is None
    assert interpolation_problem("plain text") is None


def test_yaml_tags_that_construct_python_objects_are_an_error(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "config.yaml"
    path.write_text(f"data: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(ValueError, match="not a plain YAML configuration"):
        load_config(path)
    assert not marker.exists()


def test_nested_aliases_that_would_expand_past_memory_are_refused_at_once(tmp_path):
    """A "billion laughs" config: ten nested anchors of nine aliases each — 1 kB of YAML that
    OmegaConf would copy into 9¹⁰ values — is refused from its composed graph in milliseconds;
    a self-referring alias too; a config with a few ordinary aliases still loads."""
    bomb = tmp_path / "config.yaml"
    lines = ["a0: &a0 [" + ", ".join(["lol"] * 9) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    bomb.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=r"config=.*config.yaml is not a plain YAML.*more than 100,000 values"):
        load_config(bomb)
    loop = tmp_path / "loop.yaml"
    loop.write_text("a: &a [1, *a]\n")
    with pytest.raises(ValueError, match="an alias refers to the node it is in"):
        load_config(loop)
    fine = tmp_path / "fine.yaml"
    fine.write_text("base: &b {lr: 0.1}\nrun: *b\nnote: '*not an alias*'\n")
    assert OmegaConf.to_container(load_config(fine)) == {
        "base": {"lr": 0.1},
        "run": {"lr": 0.1},
        "note": "*not an alias*",
    }
