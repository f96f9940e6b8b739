"""Each method's contract (dalearn/methods/base.py) on one tiny batch, in the fast tier: every
config in conf/method/ and every mechanics-changing variant (method_cases.py), composed as
``dalearn-train`` composes it (``debug=fast``, the offline digits, LeNet), built, and given 4
source and 4 target images:

- ``compute_losses`` returns a finite scalar ``loss`` that carries a gradient, every tensor the
  method declares in ``provides`` (with a row per image of its domain), and only finite scalars
  besides;
- the regularisers the config names come back as ``reg/<name>``, finite, added to ``loss`` with
  their weight;
- ``loss.backward()`` reaches every parameter the method's optimisers train, with a finite,
  non-zero gradient, and the optimisers train exactly the parameters that require a gradient
  (a frozen part, such as SHOT's head in stage 2, gets none).

A method that takes several optimiser steps per iteration and implements ``training_iteration``
instead of ``compute_losses`` (MCD) runs that iteration once on its own optimisers: it returns
a finite ``loss``, finite scalars and its regularisers' terms, and every parameter its optimisers
train has moved. Each method trains for real in the slow tier (test_method_matrix.py)."""

from __future__ import annotations

import pytest
import torch
from method_cases import IDS, METHODS

from dalearn.methods.base import DomainAdaptationModule
from dalearn.run.factory import build_model

NUM_CLASSES = 10
BATCH = 4


def optimizers_of(model) -> list[torch.optim.Optimizer]:
    """Every optimiser ``configure_optimizers`` builds (one, or MCD's two)."""
    configured = model.configure_optimizers()
    optimizers = configured["optimizer"] if isinstance(configured, dict) else configured[0]
    return list(optimizers) if isinstance(optimizers, (list, tuple)) else [optimizers]


def source_checkpoint(train_cfg, tmp_path) -> str:
    """A stage-1 checkpoint for SHOT's stage 2 without training: an untrained shot_source
    classifier's weights, saved as a run's checkpoint holds them."""
    source = build_model(train_cfg(["method=shot_source"], name="stage1"), num_classes=NUM_CLASSES)
    path = tmp_path / "stage1.ckpt"
    torch.save({"state_dict": source.state_dict()}, path)
    return str(path)


def tiny_batch(cfg, model) -> tuple:
    """(x_s, y_s, x_t) as the DataModule gives them: ``x_s``/``y_s`` None for a source-free
    method, ``x_t`` a dict when the method asks for extra target views (what the run's factory
    tells the DataModule, where it does: ``training_data``; else what the module says)."""
    from dalearn.run import factory

    tell = getattr(factory, "training_data", None)
    needs = tell(cfg) if tell else {"uses_source": model.uses_source, "target_views": model.target_views}
    g = torch.Generator().manual_seed(0)
    x_s = torch.rand(BATCH, 3, 28, 28, generator=g)
    y_s = torch.arange(BATCH) % NUM_CLASSES
    x_t = torch.rand(BATCH, 3, 28, 28, generator=g)
    if needs["target_views"]:
        views = {"strong": torch.rand(BATCH, 3, 28, 28, generator=g), "index": torch.arange(BATCH)}
        x_t = {"image": x_t, **{view: views[view] for view in needs["target_views"]}}
    if not needs["uses_source"]:
        x_s = y_s = None
    return x_s, y_s, x_t


def check_scalars(losses, model, configured) -> None:
    """``loss`` and every other entry but the ``provides`` tensors: finite scalars; the configured
    regularisers' terms present, and no others."""
    for key, value in losses.items():
        if key not in model.provides:
            assert torch.is_tensor(value) and value.numel() == 1 and torch.isfinite(value), (key, value)
    assert sorted(k for k in losses if k.startswith("reg/")) == sorted(f"reg/{name}" for name in configured)


@pytest.mark.parametrize("method,extra", METHODS, ids=IDS)
def test_method_meets_its_contract_on_one_batch(train_cfg, tmp_path, method, extra):
    overrides = [f"method={method}", *extra]
    if train_cfg(overrides).method.get("stage") == "target":
        overrides.append(f"method.source_ckpt={source_checkpoint(train_cfg, tmp_path)}")
    cfg = train_cfg(overrides)
    model = build_model(cfg, num_classes=NUM_CLASSES)
    assert model.name == method
    model.train()
    if getattr(model, "stage", None) == "target":  # SHOT's clustering labels, normally from the whole target set
        model.pseudo_labels = torch.arange(BATCH) % NUM_CLASSES
    batch = tiny_batch(cfg, model)
    configured = cfg.method.get("regularizers") or {}

    optimizers = optimizers_of(model)
    trained = [p for optimizer in optimizers for group in optimizer.param_groups for p in group["params"]]
    names = {id(p): name for name, p in model.named_parameters()}
    trained_ids = {id(p) for p in trained}
    untrained = sorted(name for name, p in model.named_parameters() if p.requires_grad and id(p) not in trained_ids)
    assert not untrained, f"no optimiser trains {untrained}"
    assert all(p.requires_grad for p in trained), "an optimiser trains a frozen parameter"

    if type(model).compute_losses is DomainAdaptationModule.compute_losses:  # several optimiser steps (MCD)
        before = {id(p): p.detach().clone() for p in trained}
        model.optimizers = lambda use_pl_optimizer=True: optimizers  # what Lightning hands a manual method
        model.manual_backward = lambda loss, *args, **kwargs: loss.backward()
        losses = model.training_iteration(*batch)
        assert losses["loss"].dim() == 0 and torch.isfinite(losses["loss"]), losses
        check_scalars(losses, model, configured)
        for p in trained:
            assert torch.isfinite(p).all() and not torch.equal(p, before[id(p)]), f"{names[id(p)]} did not move"
        return

    raw = model.compute_losses(*batch)
    losses = model.add_regularizers(raw)
    loss = losses["loss"]
    assert loss.dim() == 0 and torch.isfinite(loss) and loss.requires_grad, loss
    for key in model.provides:
        assert torch.is_tensor(losses[key]) and losses[key].size(0) == BATCH, (key, losses.get(key))
    check_scalars(losses, model, configured)
    expected = raw["loss"] + sum(float(configured[name].weight) * losses[f"reg/{name}"] for name in configured)
    torch.testing.assert_close(loss, expected)

    loss.backward()
    for p in trained:
        assert p.grad is not None, f"{names[id(p)]} gets no gradient from the loss"
        assert torch.isfinite(p.grad).all() and p.grad.abs().sum() > 0, f"{names[id(p)]}: gradient {p.grad}"
    for name, p in model.named_parameters():
        if not p.requires_grad:
            assert p.grad is None, f"the frozen {name} got a gradient"
