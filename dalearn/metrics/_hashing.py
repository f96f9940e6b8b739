r"""Content hashes of rows: a deterministic, order-free way to pick a "random" subsample.

Each row is hashed from the bit patterns of its values alone, so the hash of a row does not
depend on its position, on the batch it came in with, or on the process that saw it. Sorting
rows by hash therefore gives a canonical order of the *multiset* of rows: the subsample used
for the median-heuristic bandwidth, the pairing of the linear-time MMD estimator and the
held-out split of the proxy A-distance are the same whatever the update order or the number
of processes.

The hash is a pair of universal (multiply-mod-prime) hashes combined into 62 bits,

    h_p(x) = ( Σ_j ((b_j mod p) · c_{p,j}) mod p ) mod p,    H(x) = h_{p1}(x) · p2 + h_{p2}(x),

with b_j the IEEE bit pattern of x_j (−0.0 read as +0.0) and c_{p,j} fixed pseudo-random
coefficients drawn from ``torch.Generator().manual_seed(seed)``. All arithmetic is exact int64,
identical on every device. Identical rows share a hash (harmless: picking either gives the
same values); distinct rows collide with probability about 2^-62 per pair.
"""

from __future__ import annotations

from typing import Sequence

import torch

_P1 = 2_147_483_647  # 2^31 − 1
_P2 = 2_147_483_629  # largest prime below 2^31 − 1
_CHUNK_ROWS = 8192


def _coefficients(num_features: int, seed: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(int(seed))
    c1 = torch.randint(1, _P1, (num_features,), generator=generator, dtype=torch.int64)
    c2 = torch.randint(1, _P2, (num_features,), generator=generator, dtype=torch.int64)
    return c1.to(device), c2.to(device)


def _bits(x: torch.Tensor) -> torch.Tensor:
    x = x + 0.0  # −0.0 → +0.0
    if x.dtype == torch.float64:
        return x.view(torch.int64)
    return x.to(torch.float32).view(torch.int32).to(torch.int64)


def row_hashes(layers: Sequence[torch.Tensor], seed: int = 0) -> torch.Tensor:
    """62-bit content hash (int64) of each row of the joint matrix ``cat(layers, dim=1)``.

    Args:
        layers: (N, F_l) tensors with the same N (one for a plain matrix).
        seed: selects the hash function (a different seed gives a different canonical order).
    """
    n = layers[0].size(0)
    device = layers[0].device
    c1, c2 = _coefficients(sum(layer.size(1) for layer in layers), seed, device)
    h1 = torch.zeros(n, dtype=torch.int64, device=device)
    h2 = torch.zeros(n, dtype=torch.int64, device=device)
    col = 0
    for layer in layers:
        width = layer.size(1)
        k1, k2 = c1[col : col + width], c2[col : col + width]
        for start in range(0, n, _CHUNK_ROWS):
            bits = _bits(layer[start : start + _CHUNK_ROWS])
            h1[start : start + _CHUNK_ROWS] += ((bits.remainder(_P1) * k1).remainder(_P1)).sum(dim=1)
            h2[start : start + _CHUNK_ROWS] += ((bits.remainder(_P2) * k2).remainder(_P2)).sum(dim=1)
        col += width
    return h1.remainder(_P1) * _P2 + h2.remainder(_P2)


def chunked_row_hashes(layer_chunks: Sequence[list[torch.Tensor]], seed: int = 0) -> torch.Tensor:
    """:func:`row_hashes` of rows stored as per-layer lists of chunks (same chunking in
    every layer), returned for the concatenated rows."""
    return torch.cat([row_hashes(parts, seed) for parts in zip(*layer_chunks)])


def canonical_order(hashes: torch.Tensor) -> torch.Tensor:
    """Indices sorting the rows by hash (stable, so only identical rows can swap places)."""
    return torch.sort(hashes, stable=True).indices
