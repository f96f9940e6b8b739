"""``PairedRowsMetric``: the storage every source-vs-target metric over all rows shares
(:class:`dalearn.metrics.MaximumMeanDiscrepancy`, :class:`dalearn.metrics.JointMaximumMeanDiscrepancy`,
:class:`dalearn.metrics.ProxyADistance`).

Such a metric is a function of the multiset of source rows and the multiset of target rows,
so it keeps them: one list state per domain (and per layer for joint metrics) with
``dist_reduce_fx="cat"``, appended by ``update`` after the shape and finiteness checks of
:mod:`dalearn.losses._checks`, read by ``compute`` which refuses to run before any row of
either domain arrived. A batch that fails a check stores nothing, in either domain.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import torch
from torchmetrics import Metric

from dalearn.metrics._checks import check_layer_rows, check_rows

DOMAINS = ("source", "target")


def stored_features(chunks: list[torch.Tensor] | torch.Tensor) -> Optional[int]:
    """Feature count of the rows stored so far (None when nothing is stored)."""
    if isinstance(chunks, torch.Tensor):
        return chunks.size(1) if chunks.dim() == 2 and chunks.numel() > 0 else None
    for chunk in chunks:
        if chunk.dim() == 2:
            return chunk.size(1)
    return None


def as_chunks(state: list[torch.Tensor] | torch.Tensor) -> list[torch.Tensor]:
    """A row state as a list of (n_i, F) chunks: a list state as it is, a synced (already
    concatenated) tensor as a one-element list, empty placeholders removed."""
    chunks = [state] if isinstance(state, torch.Tensor) else list(state)
    return [c for c in chunks if c.dim() == 2 and c.size(0) > 0]


class PairedRowsMetric(Metric):
    """Base class: stores source and target rows, one (N, F_l) matrix per layer and domain.

    Args:
        num_layers: ``None`` for single-matrix metrics (states ``source``, ``target``;
            ``update(source, target)`` takes two tensors) or L ≥ 1 for joint metrics
            (states ``source_l``, ``target_l``; updates take a sequence of L tensors per
            domain, named ``{domain}_features[l]`` in errors).

    Subclasses call :meth:`_store` from ``update`` and :meth:`_stored_layers` from
    ``compute``; ``_update_call`` is the signature quoted by the compute-before-update error.
    """

    is_differentiable = False
    higher_is_better = False
    full_state_update = False
    _update_call = "update(source, target)"

    def __init__(self, num_layers: Optional[int] = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if num_layers is not None and num_layers < 1:
            raise ValueError(f"num_layers must be a positive integer, got {num_layers}")
        self._joint = num_layers is not None
        self._num_row_layers = 1 if num_layers is None else int(num_layers)
        for domain in DOMAINS:
            for layer in range(self._num_row_layers):
                self.add_state(self._state_name(domain, layer), default=[], dist_reduce_fx="cat")

    def _state_name(self, domain: str, layer: int) -> str:
        return f"{domain}_{layer}" if self._joint else domain

    def _row_name(self, domain: str, layer: int) -> str:
        return f"{domain}_features[{layer}]" if self._joint else domain

    def _store(self, source: Sequence[torch.Tensor], target: Sequence[torch.Tensor]) -> None:
        """Check one batch per domain (a list of per-layer tensors), then append it.

        Source rows must match the feature counts stored before, target rows the source
        rows; every layer of a domain must have the same number of rows. Nothing is stored
        unless both domains pass.
        """
        checked: dict[str, list[torch.Tensor]] = {}
        for domain, features in zip(DOMAINS, (source, target)):
            rows = []
            for layer, x in enumerate(features):
                if domain == "source":
                    seen = stored_features(getattr(self, self._state_name("source", layer))) or stored_features(
                        getattr(self, self._state_name("target", layer))
                    )
                else:
                    seen = checked["source"][layer].size(1)
                rows.append(check_rows(self._row_name(domain, layer), x, seen))
            if self._joint:
                check_layer_rows(f"{domain}_features", rows)
            checked[domain] = rows
        for domain, rows in checked.items():
            for layer, x in enumerate(rows):
                getattr(self, self._state_name(domain, layer)).append(x)

    def _stored_layers(self) -> tuple[list[list[torch.Tensor]], list[list[torch.Tensor]]]:
        """(source, target): per layer, the list of stored (n_i, F_l) chunks; raises when
        either domain has no rows yet."""
        layers = {
            domain: [as_chunks(getattr(self, self._state_name(domain, layer))) for layer in range(self._num_row_layers)]
            for domain in DOMAINS
        }
        if not layers["source"][0] or not layers["target"][0]:
            raise ValueError(
                f"{type(self).__name__}.compute() called before any update with source and target rows; "
                f"call {self._update_call} first"
            )
        return layers["source"], layers["target"]
