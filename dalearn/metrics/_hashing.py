r"""Content hashes of rows: a deterministic, order-free way to pick a "random" subsample.

Each row is hashed from the values in it alone, so the hash of a row does not depend on its
position, on the batch it came in with, or on the process that saw it. Sorting rows by hash
gives a canonical order of the *multiset* of rows: the subsample used for the
median-heuristic bandwidth, the pairing of the linear-time MMD estimator and the held-out
split of the proxy A-distance are the same whatever the update order or the number of
processes.

Hash: each value is widened to float64 (−0.0 read as +0.0) and its 64 bits are cut into
four signed 16-bit limbs a_j. Two random linear forms with integer coefficients
c_{k,j} ∈ [0, 2^20) (drawn from ``torch.Generator().manual_seed(seed)``) give

    s_k = Σ_j a_j c_{k,j}   (exact: every term and partial sum is an integer below 2^53,
                             so one float64 matrix product computes it exactly on any device)
    H = (s_1 mod p_1) · p_2 + (s_2 mod p_2),   p_1, p_2 primes below 2^31.

Identical rows share a hash (harmless: picking either gives the same values); two distinct
rows collide with probability at most about 2^-40 over the choice of coefficients. The
limb order follows the machine's byte order, which is the same for every process of a job.
"""

from __future__ import annotations

from typing import Sequence

import torch

_P1 = 2_147_483_647  # 2^31 − 1
_P2 = 2_147_483_629  # largest prime below 2^31 − 1
_COEFFICIENT_BITS = 20
_CHUNK_ROWS = 2048
_CHUNK_LIMBS = 2**16  # keeps Σ |a_j c_j| < 2^15 · 2^20 · 2^16 = 2^51 < 2^53


def _coefficients(num_limbs: int, seed: int, device: torch.device) -> torch.Tensor:
    generator = torch.Generator().manual_seed(int(seed))
    coefficients = torch.randint(0, 2**_COEFFICIENT_BITS, (num_limbs, 2), generator=generator, dtype=torch.int64)
    return coefficients.to(device=device, dtype=torch.float64)


class _LimbBuffers:
    """Reused float64 buffers for the limbs of up to ``_CHUNK_ROWS`` rows (a fresh tensor per
    chunk would page-fault its memory in every time)."""

    def __init__(self) -> None:
        self.values: torch.Tensor | None = None
        self.limbs: torch.Tensor | None = None

    def limbs_of(self, x: torch.Tensor) -> torch.Tensor:
        """(n, 4F) float64 matrix of the signed 16-bit limbs of the float64 values of x."""
        n, width = x.shape
        if self.values is None or self.values.numel() < n * width or self.values.device != x.device:
            self.values = torch.empty(n * width, dtype=torch.float64, device=x.device)
            self.limbs = torch.empty(n * 4 * width, dtype=torch.float64, device=x.device)
        values = self.values[: n * width].view(n, width)
        values.copy_(x).add_(0.0)  # −0.0 + 0.0 = +0.0
        limbs = self.limbs[: n * 4 * width].view(n, 4 * width)
        return limbs.copy_(values.view(torch.int16))


def row_hashes(layers: Sequence[torch.Tensor], seed: int = 0, buffers: _LimbBuffers | None = None) -> torch.Tensor:
    """62-bit content hash (int64) of each row of the joint matrix ``cat(layers, dim=1)``.

    Args:
        layers: (N, F_l) tensors with the same N (one for a plain matrix).
        seed: selects the hash function (a different seed gives a different canonical order).
    """
    n = layers[0].size(0)
    device = layers[0].device
    buffers = _LimbBuffers() if buffers is None else buffers
    coefficients = _coefficients(4 * sum(layer.size(1) for layer in layers), seed, device)
    primes = torch.tensor([_P1, _P2], dtype=torch.int64, device=device)
    sums = torch.zeros(n, 2, dtype=torch.int64, device=device)
    for start in range(0, n, _CHUNK_ROWS):
        part_rows = [layer[start : start + _CHUNK_ROWS] for layer in layers]
        joint = part_rows[0] if len(part_rows) == 1 else torch.cat([p.to(torch.float64) for p in part_rows], dim=1)
        limbs = buffers.limbs_of(joint)
        for col in range(0, limbs.size(1), _CHUNK_LIMBS):
            part = limbs[:, col : col + _CHUNK_LIMBS] @ coefficients[col : col + _CHUNK_LIMBS]
            sums[start : start + _CHUNK_ROWS] = (sums[start : start + _CHUNK_ROWS] + part.to(torch.int64)).remainder(
                primes
            )
    return sums[:, 0] * _P2 + sums[:, 1]


def chunked_row_hashes(layer_chunks: Sequence[list[torch.Tensor]], seed: int = 0) -> torch.Tensor:
    """:func:`row_hashes` of rows stored as per-layer lists of chunks (same chunking in
    every layer), returned for the concatenated rows."""
    buffers = _LimbBuffers()
    return torch.cat([row_hashes(parts, seed, buffers) for parts in zip(*layer_chunks)])


def canonical_order(hashes: torch.Tensor) -> torch.Tensor:
    """Indices sorting the rows by hash (stable, so only identical rows can swap places)."""
    return torch.sort(hashes, stable=True).indices
