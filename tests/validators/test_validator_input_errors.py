"""Bad input raises a ValueError that names the validator, the input and what to pass."""

from __future__ import annotations

import pytest
import torch
from validators_reference import problem

from dalearn.validators import available, build_validator, requires_source_holdout
from dalearn.validators.entropy import entropy
from dalearn.validators.soft_neighborhood_density import soft_neighborhood_density

CLASS_NAMES = {name: cls.__name__ for name, cls in available().items()}


def inputs(name: str, data: dict) -> dict:
    return {k: data[k] for k in build_validator(name).inputs}


@pytest.mark.parametrize("name", sorted(available()))
@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_values(name, bad):
    data = problem(20)
    batch = inputs(name, data)
    key = next(k for k in batch if k != "source_labels")
    batch[key] = batch[key].clone()
    batch[key][3, 0] = bad
    with pytest.raises(ValueError, match=rf"{CLASS_NAMES[name]}: {key} contains NaN or infinite values .*rows 3"):
        build_validator(name).update(**batch)


@pytest.mark.parametrize("name", sorted(available()))
def test_compute_before_update(name):
    validator = build_validator(name)
    expected = "data.source_holdout > 0" if validator.needs_source else r"compute\(\) called before any update"
    with pytest.raises(ValueError, match=rf"^{CLASS_NAMES[name]} \({name}\): .*{expected}"):
        with pytest.warns(UserWarning, match="compute"):
            validator.compute()


@pytest.mark.parametrize("name", ["dev", "devn"])
def test_source_validators_without_source_rows_ask_for_a_source_holdout(name):
    validator = build_validator(name)
    validator.update(target_features=problem(21)["target_features"])
    with pytest.raises(ValueError, match=r"needs labelled source hold-out rows.*set data.source_holdout > 0"):
        validator.compute()


def test_dev_without_target_rows():
    validator = build_validator("dev")
    data = problem(21)
    validator.update(**{k: data[k] for k in ("source_features", "source_logits", "source_labels")})
    with pytest.raises(ValueError, match=r"DeepEmbeddedValidation \(dev\): compute\(\) called before any update"):
        validator.compute()


def test_dev_needs_the_source_inputs_together_and_enough_rows():
    data = problem(22)
    validator = build_validator("dev")
    with pytest.raises(ValueError, match="pass source_features, source_logits and source_labels together"):
        validator.update(source_features=data["source_features"], target_features=data["target_features"])
    with pytest.raises(ValueError, match="update\\(\\) got no input; pass source_features"):
        validator.update()
    validator.update(
        source_features=data["source_features"][:3],
        source_logits=data["source_logits"][:3],
        source_labels=data["source_labels"][:3],
        target_features=data["target_features"],
    )
    message = r"needs at least 5 source and 5 target rows, got 3 source.*data.source_holdout"
    with pytest.raises(ValueError, match=message):
        validator.compute()


@pytest.mark.parametrize("name", ["entropy", "ima", "bnm", "snd", "class_ami"])
def test_logits_instead_of_probabilities(name):
    data = problem(23)
    batch = inputs(name, data)
    batch["target_probs"] = torch.log(batch["target_probs"])
    with pytest.raises(ValueError, match=rf"{CLASS_NAMES[name]}: target_probs must hold probability rows.*softmax"):
        build_validator(name).update(**batch)


def test_functional_forms_check_too():
    with pytest.raises(ValueError, match="entropy: target_probs must hold probability rows"):
        entropy(torch.tensor([[0.9, 0.9]]))
    with pytest.raises(ValueError, match="needs at least 2 target rows"):
        soft_neighborhood_density(torch.tensor([[1.0, 0.0]]))


@pytest.mark.parametrize("name", ["entropy", "ima", "bnm", "snd", "class_ami"])
def test_class_count_changes_between_updates(name):
    data = problem(24, num_classes=4)
    other = problem(24, num_classes=3)
    validator = build_validator(name)
    validator.update(**inputs(name, data))
    with pytest.raises(ValueError, match=rf"{CLASS_NAMES[name]}: target_probs has 3 (classes|columns)"):
        validator.update(**{**inputs(name, data), "target_probs": other["target_probs"]})


def test_rows_of_features_and_probs_must_match():
    data = problem(25)
    with pytest.raises(ValueError, match="ClassAMI: target_features has 70 rows but target_probs has 69"):
        build_validator("class_ami").update(
            target_features=data["target_features"], target_probs=data["target_probs"][:69]
        )
    message = "DeepEmbeddedValidation: source_features has 48 rows but source_logits has 47"
    with pytest.raises(ValueError, match=message):
        build_validator("dev").update(
            source_features=data["source_features"],
            source_logits=data["source_logits"][:47],
            source_labels=data["source_labels"][:47],
        )


def test_feature_width_must_stay_the_same():
    data = problem(26)
    validator = build_validator("dev")
    validator.update(target_features=data["target_features"])
    message = "DeepEmbeddedValidation: source_features has 4 columns, but earlier inputs have 5"
    with pytest.raises(ValueError, match=message):
        validator.update(
            source_features=data["source_features"][:, :4],
            source_logits=data["source_logits"],
            source_labels=data["source_labels"],
        )


@pytest.mark.parametrize(
    "labels, message",
    [
        (torch.full((48,), 4), r"source_labels must lie in \[0, 4\)"),
        (torch.zeros(48, 4), "source_labels must be a 1-D integer tensor of class indices.*not one-hot"),
        (torch.zeros(47, dtype=torch.int64), "source_labels has 47 labels, but the matching logits have 48 rows"),
    ],
)
def test_bad_source_labels(labels, message):
    data = problem(27)
    with pytest.raises(ValueError, match=f"SourceAccuracy: {message}"):
        build_validator("src_acc").update(source_logits=data["source_logits"], source_labels=labels)


def test_wrong_shapes_and_types():
    with pytest.raises(ValueError, match=r"Entropy: target_probs must have shape \(N, C\)"):
        build_validator("entropy").update(target_probs=torch.ones(4))
    with pytest.raises(ValueError, match="Entropy: target_probs must be a torch.Tensor"):
        build_validator("entropy").update(target_probs=[[1.0, 0.0]])


def test_snd_reads_only_its_layer():
    snd = build_validator("snd", layer="target_features")
    assert snd.inputs == ("target_features",)
    with pytest.raises(ValueError, match=r"reads layer='target_features'; call update\(target_features=...\) only"):
        snd.update(target_probs=torch.eye(3))
    with pytest.raises(ValueError, match="layer must be one of"):
        build_validator("snd", layer="source_features")


def test_bad_arguments():
    with pytest.raises(ValueError, match="temperature must be positive"):
        build_validator("snd", temperature=0.0)
    with pytest.raises(ValueError, match="folds must be an integer ≥ 2"):
        build_validator("dev", folds=1)
    with pytest.raises(ValueError, match="n_init must be a positive integer"):
        build_validator("class_ami", n_init=0)


def test_class_ami_needs_at_least_one_row_per_cluster():
    validator = build_validator("class_ami")
    validator.update(target_features=torch.randn(3, 2), target_probs=torch.full((3, 4), 0.25))
    with pytest.raises(ValueError, match="k = 4 classes needs at least 4 target rows, got 3"):
        validator.compute()


def test_unknown_names():
    with pytest.raises(ValueError, match="unknown validator 'imax'; known validators: bnm, class_ami, dev, devn"):
        build_validator("imax")
    with pytest.raises(ValueError, match="unknown validator 'oracle'"):
        requires_source_holdout(["ima", "oracle"])


@pytest.mark.parametrize("name", ["src_acc", "dev", "devn"])
def test_empty_source_batches_ask_for_a_source_holdout(name):
    data = problem(28)
    validator = build_validator(name)
    batch = {k: (data[k][:0] if k.startswith("source_") else data[k]) for k in validator.inputs}
    validator.update(**batch)
    message = rf"{CLASS_NAMES[name]} \({name}\): needs labelled source hold-out rows.*data.source_holdout > 0"
    with pytest.raises(ValueError, match=message):
        validator.compute()
