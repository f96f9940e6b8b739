"""The base class of every label-free model-selection score (a *validator*).

A validator is a torchmetrics ``Metric`` that turns a model's outputs on the evaluation data
into one number, oriented so that a **higher score predicts a better model** (losses and
risks are negated). The class attributes tell the training harness what to compute:

- ``name``: the short registry name (``build_validator("ima")``);
- ``inputs``: the keyword inputs ``update()`` takes, from ``target_probs``,
  ``target_features``, ``source_features``, ``source_logits`` and ``source_labels``;
- ``needs_source``: whether the labelled source hold-out split must be non-empty.

The harness calls ``validator.update(**{k: batch[k] for k in validator.inputs})`` once per
batch, then ``compute()``. No target label is ever an input.
"""

from __future__ import annotations

from typing import Any, ClassVar, Optional

import torch
from torchmetrics import Metric


class Validator(Metric):
    """A label-free model-selection score; higher = predicted better (see the module doc)."""

    name: ClassVar[str] = ""
    inputs: tuple[str, ...] = ()
    needs_source: ClassVar[bool] = False

    is_differentiable = False
    higher_is_better = True
    full_state_update = False

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.num_classes: Optional[int] = None

    def reset(self) -> None:
        """Clear the states and the class count seen so far."""
        super().reset()
        self.num_classes = None

    def _error(self, message: str) -> ValueError:
        """A ValueError whose message starts with the validator's class and registry name."""
        return ValueError(f"{type(self).__name__} ({self.name}): {message}")

    def _missing_source(self) -> ValueError:
        return self._error(
            "needs labelled source hold-out rows, but none were given; set data.source_holdout > 0 "
            f"so that {', '.join(i for i in self.inputs if i.startswith('source_'))} can be computed"
        )

    def _missing_target(self) -> ValueError:
        return self._error(
            f"compute() called before any update with target rows; call update({', '.join(self.inputs)}) first"
        )


def sum_state(metric: Metric, name: str) -> None:
    """Register a float64 sufficient statistic summed across processes. Its default is a
    0-dim zero that broadcasts to the first batch's shape, so vector and matrix sums need
    no class count up front (under DDP every process must therefore update at least once
    before the first synced compute(), as the harness's even split of the rows ensures)."""
    metric.add_state(name, default=torch.zeros((), dtype=torch.float64), dist_reduce_fx="sum")
