"""Start a method from another run's trained classifier (SHOT's adaptation stage, self-training
on top of a trained run): find the checkpoint, read it safely, copy the classifier's weights.

Checkpoints are read by the trusted reader (:func:`dalearn.io.trusted.checkpoints.load_checkpoint`,
a weights-only load): tensors and plain containers only, never arbitrary pickled
objects, so a checkpoint from elsewhere cannot run code; a damaged or foreign file is refused
with the option's name and what to do. ``path`` may be a checkpoint file, a run directory (its ``checkpoints/last.ckpt``) or a
glob pattern matching exactly one of those, such as
``outputs/runs/<data>/shot_source/seed0-*/checkpoints/last.ckpt``.
"""

from __future__ import annotations

import glob
from pathlib import Path

from torch import nn

from dalearn.io.trusted.checkpoints import load_checkpoint

PREFIX = "classifier."


def resolve_checkpoint(path: str, option: str) -> Path:
    """The one checkpoint file ``path`` names (see the module docstring); ``option`` is the
    config key, named in the errors."""
    text = str(path)
    if glob.has_magic(text):
        matches = sorted(glob.glob(text))
        if len(matches) != 1:
            found = ", ".join(matches) if matches else "nothing"
            raise FileNotFoundError(
                f"{option}={text!r} must match exactly one checkpoint, found {found}; train that run first "
                f"or set {option} to the checkpoint file"
            )
        text = matches[0]
    candidate = Path(text)
    if candidate.is_dir():
        candidate = candidate / "checkpoints" / "last.ckpt"
    if not candidate.is_file():
        raise FileNotFoundError(f"{option}: no checkpoint at {candidate}; give a run directory or a .ckpt file")
    return candidate


def load_classifier_weights(classifier: nn.Module, path: str, option: str) -> Path:
    """Copy the ``classifier.*`` weights of the checkpoint ``path`` into ``classifier``
    (all of them, nothing else); returns the file read. Refuses a checkpoint whose classifier
    has another architecture, naming the keys that differ."""
    file = resolve_checkpoint(path, option)
    checkpoint = load_checkpoint(
        file, key=option, advice="give the run directory or checkpoints/last.ckpt of a dalearn-train run"
    )
    state = checkpoint["state_dict"]
    weights = {key[len(PREFIX) :]: value for key, value in state.items() if key.startswith(PREFIX)}
    if not weights:
        raise ValueError(f"{option}: {file} has no '{PREFIX}*' weights; is it a dalearn run's checkpoint?")
    expected = classifier.state_dict()
    missing = sorted(set(expected) - set(weights))
    unexpected = sorted(set(weights) - set(expected))
    wrong_shape = sorted(k for k in set(expected) & set(weights) if expected[k].shape != weights[k].shape)
    if missing or unexpected or wrong_shape:
        raise ValueError(
            f"{option}: the classifier in {file} does not match this method's (same backbone, bottleneck_dim and "
            f"head needed): missing {missing[:5]}, unexpected {unexpected[:5]}, other shapes {wrong_shape[:5]}"
        )
    classifier.load_state_dict(weights)
    return file
