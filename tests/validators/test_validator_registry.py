"""The registry finds every validator defined in the package's files (without a list to
edit), builds them by name, and says which need a source hold-out; every validator declares
what the harness must compute for it."""

from __future__ import annotations

import importlib
import inspect
import sys
from pathlib import Path

import pytest
import torchmetrics

import dalearn.validators
from dalearn.validators import Validator, available, build_validator, requires_source_holdout

PACKAGE_DIR = Path(dalearn.validators.__file__).parent
KNOWN_INPUTS = {"target_probs", "target_features", "source_features", "source_logits", "source_labels"}


def validator_classes_in_files() -> set[type]:
    """Every Validator subclass with a registry name, found by importing each .py file."""
    found = set()
    for path in sorted(PACKAGE_DIR.glob("*.py")):
        name = "dalearn.validators" if path.stem == "__init__" else f"dalearn.validators.{path.stem}"
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Validator) and cls is not Validator and cls.__module__ == module.__name__:
                found.add(cls)
    return found


def test_every_validator_file_is_registered():
    classes = validator_classes_in_files()
    assert len(classes) == 8
    assert set(available().values()) == classes
    assert sorted(available()) == ["bnm", "class_ami", "dev", "devn", "entropy", "ima", "snd", "src_acc"]
    assert {cls.__name__ for cls in classes} == {
        "SourceAccuracy",
        "Entropy",
        "InformationMaximization",
        "BatchNuclearNorm",
        "SoftNeighborhoodDensity",
        "DeepEmbeddedValidation",
        "DeepEmbeddedValidationNormalized",
        "ClassAMI",
    }


@pytest.mark.parametrize("name", sorted(available()))
def test_declarations(name):
    cls = available()[name]
    assert issubclass(cls, torchmetrics.Metric) and cls.name == name
    assert cls.higher_is_better is True and cls.full_state_update is False
    assert cls.inputs and set(cls.inputs) <= KNOWN_INPUTS
    assert cls.needs_source == any(i.startswith("source_") for i in cls.inputs)
    parameters = inspect.signature(cls.update).parameters
    assert set(cls.inputs) <= set(parameters), f"{cls.__name__}.update does not take {cls.inputs}"
    assert not any("target_label" in p for p in parameters), f"{cls.__name__}.update reads target labels"
    assert cls.__doc__ and ">>>" in cls.__doc__, f"{cls.__name__} has no doctest example"
    module_doc = sys.modules[cls.__module__].__doc__
    assert "Cost" in module_doc and "score" in module_doc, f"{cls.__module__} does not document its formula and cost"


def test_build_validator_passes_arguments():
    snd = build_validator("snd", temperature=0.1, layer="target_features")
    assert type(snd).__name__ == "SoftNeighborhoodDensity" and snd.temperature == 0.1
    assert snd.inputs == ("target_features",)
    assert build_validator("dev", folds=3).folds == 3


def test_requires_source_holdout():
    assert requires_source_holdout(["entropy", "dev", "ima", "src_acc", "devn", "snd", "bnm", "class_ami"]) == [
        "dev",
        "src_acc",
        "devn",
    ]
    assert requires_source_holdout("src_acc") == ["src_acc"]
    assert requires_source_holdout([]) == []


NEW_VALIDATOR = '''
"""A validator defined only in this file: score = mean of the first probability column.

Cost: two sums.
"""
import torch
from dalearn.validators.base import Validator, sum_state


class FirstColumn(Validator):
    name = "first_column"
    inputs = ("target_probs",)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        sum_state(self, "total")
        sum_state(self, "count")

    def update(self, target_probs):
        self.total = self.total + target_probs[:, 0].double().sum()
        self.count = self.count + target_probs.size(0)

    def compute(self):
        return self.total / self.count
'''


def test_a_new_file_is_discovered_without_editing_a_list(tmp_path, monkeypatch):
    (tmp_path / "first_column_validator.py").write_text(NEW_VALIDATOR)
    monkeypatch.setattr(dalearn.validators, "__path__", [*dalearn.validators.__path__, str(tmp_path)])
    try:
        assert "first_column" in available()
        validator = build_validator("first_column")
        import torch

        validator.update(target_probs=torch.tensor([[0.25, 0.75], [0.75, 0.25]]))
        assert float(validator.compute()) == 0.5
        assert requires_source_holdout(["first_column"]) == []
    finally:
        sys.modules.pop("dalearn.validators.first_column_validator", None)
    monkeypatch.undo()
    assert "first_column" not in available()


def test_duplicate_names_are_refused(tmp_path, monkeypatch):
    (tmp_path / "duplicate_validator.py").write_text(NEW_VALIDATOR.replace('"first_column"', '"ima"'))
    monkeypatch.setattr(dalearn.validators, "__path__", [*dalearn.validators.__path__, str(tmp_path)])
    try:
        with pytest.raises(RuntimeError, match="two validators share the name 'ima'"):
            available()
    finally:
        sys.modules.pop("dalearn.validators.duplicate_validator", None)
