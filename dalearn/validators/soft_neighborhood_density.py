r"""Soft-neighbourhood-density (SND) validator on the target,

    z_i = x_i / ‖x_i‖₂,   s_ij = ⟨z_i, z_j⟩ / τ   (j ≠ i),
    p_ij = exp(s_ij) / Σ_{k≠i} exp(s_ik),
    score = (1/N) Σ_i H(p_i·) = −(1/N) Σ_i Σ_{j≠i} p_ij log p_ij
          = (1/N) Σ_i [ log Σ_{k≠i} exp(s_ik) − Σ_{j≠i} p_ij s_ij ]   (as computed),

with x_i the softmax prediction of target image i (the paper's default; the target features
are an option, ``layer="target_features"``) and τ = 0.05. A high score means each image has
many close neighbours: target points form dense, soft clusters.

Paper: Saito et al., "Tune it the right way: unsupervised validation of domain adaptation via
soft neighborhood density" (ICCV 2021); pytorch-adapt's ``SNDValidator`` (softmax
predictions, cosine similarity, T = 0.05, the diagonal removed) computes the same value.

Caveat: the score is largest, log(N − 1), when every row is the same (e.g. all predictions
uniform), since then every neighbour is equally close. Saito et al. pair SND with a sanity
check on source accuracy for this reason; read SND together with another validator.

Cost: stores all N target rows (``dist_reduce_fx="cat"``); compute() is O(N² · C) time, in
row blocks of ``block_size`` so that memory is O(block_size · N), never N × N (20 000 rows with
the default block of 256 take a 41 MB float64 block).
"""

from __future__ import annotations

from typing import Any

import torch

from dalearn.validators._inputs import check_features, check_probs, concat_rows, stored_width
from dalearn.validators.base import Validator

LAYERS = ("target_probs", "target_features")
_EXCLUDED = -1e30  # s_ii: exp(−1e30 − lse) is exactly 0 and 0 · (−1e30) = 0, unlike −inf


def soft_neighborhood_density(
    target_rows: torch.Tensor, temperature: float = 0.05, block_size: int = 256
) -> torch.Tensor:
    """Mean entropy of the softmax over each row's cosine similarities to all other rows of
    an (N, D) matrix (target softmax probabilities or target features), in float64."""
    x = check_features("soft_neighborhood_density", "target_rows", target_rows, None)
    _check_arguments("soft_neighborhood_density", temperature, block_size)
    if x.size(0) < 2:
        raise ValueError(
            f"soft_neighborhood_density: needs at least 2 target rows (each row's neighbours are the others), "
            f"got {x.size(0)}"
        )
    z = torch.nn.functional.normalize(x.to(torch.float64), dim=1)
    total = torch.zeros((), dtype=torch.float64, device=z.device)
    for start in range(0, z.size(0), block_size):
        block = z[start : start + block_size]
        s = (block @ z.T).div_(temperature)
        rows = torch.arange(block.size(0), device=z.device)
        s[rows, rows + start] = _EXCLUDED
        log_normalizer = torch.logsumexp(s, dim=1, keepdim=True)
        p = (s - log_normalizer).exp_()
        total = total + (log_normalizer.sum() - p.mul_(s).sum())
    return total / z.size(0)


def _check_arguments(owner: str, temperature: float, block_size: int) -> None:
    if not temperature > 0:
        raise ValueError(f"{owner}: temperature must be positive (the paper uses 0.05), got {temperature}")
    if int(block_size) != block_size or block_size < 1:
        raise ValueError(f"{owner}: block_size must be a positive integer, got {block_size}")


class SoftNeighborhoodDensity(Validator):
    r"""Soft neighbourhood density of the target predictions (see the module doc).

    Args:
        layer: ``"target_probs"`` (default, the paper's choice) or ``"target_features"``;
            the one input ``update()`` takes.
        temperature: τ (default 0.05).
        block_size: rows per similarity block in compute() (default 256).

    Example:
        >>> import torch
        >>> validator = SoftNeighborhoodDensity()
        >>> validator.update(target_probs=torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]))
        >>> round(float(validator.compute()), 4)  # each row has one twin: almost no spread
        0.0
    """

    name = "snd"
    inputs = ("target_probs",)
    needs_source = False

    def __init__(
        self, layer: str = "target_probs", temperature: float = 0.05, block_size: int = 256, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if layer not in LAYERS:
            raise ValueError(f"SoftNeighborhoodDensity (snd): layer must be one of {LAYERS}, got {layer!r}")
        _check_arguments("SoftNeighborhoodDensity (snd)", temperature, block_size)
        self.layer = layer
        self.inputs = (layer,)
        self.temperature = float(temperature)
        self.block_size = int(block_size)
        self.add_state("rows", default=[], dist_reduce_fx="cat")

    def update(self, target_probs: torch.Tensor | None = None, target_features: torch.Tensor | None = None) -> None:
        """Store a batch of target rows: ``target_probs`` (N, C) or, with
        ``layer="target_features"``, ``target_features`` (N, D)."""
        owner = type(self).__name__
        given = {"target_probs": target_probs, "target_features": target_features}
        if given[self.layer] is None or any(v is not None for k, v in given.items() if k != self.layer):
            raise self._error(f"this instance reads layer={self.layer!r}; call update({self.layer}=...) only")
        if self.layer == "target_probs":
            rows = check_probs(owner, "target_probs", target_probs, stored_width(self.rows))
        else:
            rows = check_features(owner, "target_features", target_features, stored_width(self.rows))
        self.rows.append(rows)

    def compute(self) -> torch.Tensor:
        rows = concat_rows(self.rows, torch.float64)
        if rows is None:
            raise self._missing_target()
        return soft_neighborhood_density(rows, self.temperature, self.block_size)
