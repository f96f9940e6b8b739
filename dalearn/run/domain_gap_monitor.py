"""``gap/<metric>``: how far apart the two domains are in the model's feature space, logged at
the end of every validation epoch.

The features are the backbone's output (the representation every method shares, before any
bottleneck) on the two labelled evaluation sets: the held-out source split (``source_val``)
and the target validation set (``target_val``). Each side is summarised by a
:class:`dalearn.metrics.DomainGap` (float64 sums, synchronised across processes), and the
distances come from :func:`dalearn.metrics.domain_gap` with the source as the first argument:

- ``klmvn_diag`` = KL(source ‖ target) of diagonal Gaussians,
- ``mmd_linear`` = ‖μ_s − μ_t‖²,
- ``fid`` (Σxxᵀ per side: F² floats and an F×F product per batch — costly for wide backbones),
- ``wasserstein_1d`` (a per-dimension sketch).

A run without a source holdout (``data.source_holdout=0``, the published Office recipes)
has no ``source_val`` and logs no gap.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import lightning as L
import torch

from dalearn.metrics import DomainGap, domain_gap
from dalearn.metrics.functional.domain_gap import METRICS
from dalearn.run.validation_batch_hook import ValidationBatchHook

ROLES = ("source_val", "target_val")


class DomainGapMonitor(ValidationBatchHook):
    """Logs ``gap/<name>`` for each name in ``metrics`` (see the module docstring)."""

    def __init__(self, metrics: Sequence[str] = ("klmvn_diag", "mmd_linear")) -> None:
        unknown = sorted(set(metrics) - set(METRICS))
        if unknown or not metrics:
            raise ValueError(f"unknown domain-gap metrics {unknown or list(metrics)}; choose from {list(METRICS)}")
        self.metrics = list(metrics)
        self._gaps: dict[str, DomainGap] = {}
        self._roles: list[str] = []
        self._features: Optional[torch.Tensor] = None
        self._hook: Any = None

    def _active(self, trainer: L.Trainer) -> bool:
        return not trainer.sanity_checking and all(role in self._roles for role in ROLES)

    def on_validation_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        datamodule = getattr(trainer, "datamodule", None)
        self._roles = list(getattr(datamodule, "eval_roles", []))
        if not self._active(trainer):
            return
        if not self._gaps:
            width = int(pl_module.backbone.out_features)
            self._gaps = {
                role: DomainGap(
                    fid="fid" in self.metrics, wasserstein="wasserstein_1d" in self.metrics, num_features=width
                )
                for role in ROLES
            }
        for gap in self._gaps.values():
            gap.reset()
            gap.to(pl_module.device)
        self._hook = pl_module.backbone.register_forward_hook(self._capture)

    def _capture(self, module: torch.nn.Module, inputs: Any, output: torch.Tensor) -> None:
        self._features = output.detach()

    def validation_batch(
        self, trainer: L.Trainer, pl_module: L.LightningModule, outputs: Any, batch: Any, dataloader_idx: int
    ) -> None:
        if self._hook is None:
            return
        role = self._roles[dataloader_idx]
        if role in self._gaps and self._features is not None:
            self._gaps[role].update(self._features.flatten(1).to(torch.float32))
        self._features = None

    def on_validation_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if self._hook is None:
            return
        self._hook.remove()
        self._hook = None
        values = domain_gap(self._gaps["source_val"], self._gaps["target_val"], self.metrics)
        for name, value in values.items():
            pl_module.log(f"gap/{name}", float(value), add_dataloader_idx=False, sync_dist=False)
