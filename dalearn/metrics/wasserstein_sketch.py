r"""A mergeable per-dimension histogram for the 1-D Wasserstein distance.

The seed's histogram has a fixed range (−3, 3) and drops everything outside it. Here the
buckets follow the floating-point grid itself, so no value is ever out of range:

- the bucket key of a magnitude a = |x| is ``bits(float32(a)) >> (23 − bits)`` — the
  exponent and the top ``bits`` mantissa bits; each octave [2^e, 2^(e+1)) is cut into
  2^bits equal buckets, so a bucket is at most 2^−bits of its values wide (relative);
- each sign keeps the B = ``octaves`` · 2^bits buckets below the largest key seen in that
  dimension; smaller magnitudes (below 2^−octaves times the largest, roughly) and exact
  zeros fall into one zero bucket (−L_neg, L_pos);
- merging two sketches aligns them on the larger top key of each side (buckets that move
  below the window are folded into the zero bucket) and adds the counts. The result is a
  function of the multiset of values only: merging is exact, associative and independent
  of the batching and of the number of processes.

Distance: the CDF of each dimension is piecewise linear between bucket edges (mass spread
uniformly inside a bucket), and

    W1 = ∫ |F_s(x) − F_t(x)| dx,

integrated exactly for piecewise-linear F on the common edges of the aligned sketches.
Values beyond the float32 range (|x| > 3.4e38) cannot be bucketed and raise.

Layout of a sketch, one row per dimension: ``[T_neg, T_pos, zero, neg_0 … neg_{B−1},
pos_0 … pos_{B−1}]`` with T the top key of each side (0 when the side is empty) and bucket
j of a side holding key T − B + 1 + j. Key 0 (exact zeros, and magnitudes below about 1e-40)
always counts in the zero bucket. Stored as float64 (counts are exact up to 2^53).
"""

from __future__ import annotations

import torch

_MANTISSA_BITS = 23
_HEADER = 3


def num_buckets(bits: int, octaves: int) -> int:
    """Buckets per sign, B = octaves · 2^bits."""
    if not 1 <= bits <= _MANTISSA_BITS:
        raise ValueError(f"wasserstein bits must be in [1, 23], got {bits}")
    if octaves < 1:
        raise ValueError(f"wasserstein octaves must be positive, got {octaves}")
    if octaves * 2**bits > 2**20:
        raise ValueError(f"a sketch of octaves · 2^bits = {octaves * 2**bits} buckets per sign is too large (max 2^20)")
    return octaves * 2**bits


def sketch_width(bits: int, octaves: int) -> int:
    """Columns of a sketch row: the two top keys, the zero bucket and 2B buckets."""
    return _HEADER + 2 * num_buckets(bits, octaves)


def empty_sketch(num_features: int, bits: int, octaves: int, device: torch.device | None = None) -> torch.Tensor:
    return torch.zeros(num_features, sketch_width(bits, octaves), dtype=torch.float64, device=device)


def _signed_keys(x: torch.Tensor, bits: int) -> torch.Tensor:
    """sign(x) · key(|x|) as int32; key 0 (exact zeros and magnitudes below ~1e-40) always
    goes to the zero bucket."""
    if x.dtype == torch.float64 and bool(x.abs().amax() > torch.finfo(torch.float32).max):
        raise ValueError("the Wasserstein sketch cannot bucket values beyond the float32 range (|x| > 3.4e38)")
    keys = x.abs().to(torch.float32).view(torch.int32) >> (_MANTISSA_BITS - bits)
    return torch.where(x < 0, -keys, keys)


def sketch_update(sketch: torch.Tensor, x: torch.Tensor, bits: int, octaves: int) -> torch.Tensor:
    """Add an (N, F) batch of finite values to ``sketch`` (F, C); returns the new sketch.

    The windows move up (and the sketch is re-aligned) only when the batch holds a larger
    magnitude than seen so far; otherwise the counts are added in place.
    """
    b = num_buckets(bits, octaves)
    width = sketch.size(1)
    if x.size(0) == 0:
        return sketch
    signed = _signed_keys(x, bits)
    top_pos = torch.maximum(sketch[:, 1].to(torch.int64), signed.amax(dim=0).to(torch.int64).clamp_min(0))
    top_neg = torch.maximum(sketch[:, 0].to(torch.int64), (-signed.amin(dim=0)).to(torch.int64).clamp_min(0))
    if bool((top_pos != sketch[:, 1]).any() or (top_neg != sketch[:, 0]).any()):
        sketch = align_sketch(sketch, top_neg, top_pos)
    # bucket j of a side holds key top − b + 1 + j, stored at column offset + j
    pos_col = signed - (top_pos - b + 1 - (_HEADER + b)).to(torch.int32)
    neg_col = -signed - (top_neg - b + 1 - _HEADER).to(torch.int32)
    positive = signed > 0
    column = torch.where(positive, pos_col, neg_col)
    lowest = torch.where(positive, _HEADER + b, _HEADER)
    column = torch.where((column >= lowest) & (signed != 0), column, 2)
    index_dtype = torch.int32 if x.size(1) * width < 2**31 else torch.int64
    flat = (column.to(index_dtype) + torch.arange(x.size(1), device=x.device, dtype=index_dtype) * width).flatten()
    counts = torch.bincount(flat, minlength=x.size(1) * width).view(x.size(1), width)
    sketch[:, 2:] += counts[:, 2:]
    return sketch


def sketch_batch(x: torch.Tensor, bits: int, octaves: int) -> torch.Tensor:
    """Sketch of an (N, F) batch of finite values."""
    return sketch_update(empty_sketch(x.size(1), bits, octaves, x.device), x, bits, octaves)


def _shift_side(counts: torch.Tensor, delta: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Move bucket j to j − δ (per row); return the moved counts and what fell below 0."""
    b = counts.size(1)
    delta = delta.clamp(min=0, max=b)
    source = torch.arange(b, device=counts.device).unsqueeze(0) + delta.unsqueeze(1)
    moved = counts.gather(1, source.clamp(max=b - 1)) * (source < b)
    below = torch.cat([torch.zeros_like(counts[:, :1]), counts.cumsum(dim=1)], dim=1).gather(1, delta.unsqueeze(1))
    return moved, below.squeeze(1)


def align_sketch(sketch: torch.Tensor, top_neg: torch.Tensor, top_pos: torch.Tensor) -> torch.Tensor:
    """Re-express a sketch on windows topped by ``top_neg``/``top_pos`` (≥ its own tops)."""
    b = (sketch.size(1) - _HEADER) // 2
    out = torch.empty_like(sketch)
    out[:, 0], out[:, 1] = top_neg.to(torch.float64), top_pos.to(torch.float64)
    zero = sketch[:, 2].clone()
    for col, top, offset in ((0, top_neg, _HEADER), (1, top_pos, _HEADER + b)):
        delta = top.to(torch.int64) - sketch[:, col].to(torch.int64)
        moved, below = _shift_side(sketch[:, offset : offset + b], delta)
        out[:, offset : offset + b] = moved
        zero += below
    out[:, 2] = zero
    return out


def merge_sketches(stacked: torch.Tensor) -> torch.Tensor:
    """Merge a (K, F, C) stack of sketches into one (F, C) sketch (exact)."""
    if stacked.dim() == 2:
        return stacked
    top_neg = stacked[:, :, 0].amax(dim=0)
    top_pos = stacked[:, :, 1].amax(dim=0)
    merged = sum(align_sketch(s, top_neg, top_pos) for s in stacked)
    merged[:, 0], merged[:, 1] = top_neg, top_pos
    return merged


def _bucket_value(key: torch.Tensor, bits: int) -> torch.Tensor:
    """Lowest float value of bucket ``key`` (exact, float64); keys below 1 map to key 1."""
    pattern = key.clamp(min=1) << (_MANTISSA_BITS - bits)
    exponent = pattern >> _MANTISSA_BITS
    mantissa = (pattern & (2**_MANTISSA_BITS - 1)).to(torch.float64)
    normal = torch.ldexp(1.0 + mantissa / 2**_MANTISSA_BITS, (exponent - 127).to(torch.float64))
    subnormal = torch.ldexp(mantissa, torch.full_like(mantissa, -149.0))
    return torch.where(exponent > 0, normal, subnormal)


def _side_edges(top: torch.Tensor, b: int, bits: int) -> torch.Tensor:
    """(F, B+1) edges of one side's buckets in increasing magnitude. Buckets of keys below 1
    (never used: key 0 is the zero bucket) collapse onto the edge of key 1, ~1e-40."""
    keys = top.to(torch.int64).unsqueeze(1) - b + 1 + torch.arange(b + 1, device=top.device).unsqueeze(0)
    return _bucket_value(keys, bits)


def wasserstein_per_dimension(source: torch.Tensor, target: torch.Tensor, bits: int, octaves: int) -> torch.Tensor:
    """(F,) W1 between the per-dimension distributions of two sketches (see module docs)."""
    b = num_buckets(bits, octaves)
    top_neg = torch.maximum(source[:, 0], target[:, 0])
    top_pos = torch.maximum(source[:, 1], target[:, 1])
    source, target = align_sketch(source, top_neg, top_pos), align_sketch(target, top_neg, top_pos)
    neg_edges = _side_edges(top_neg, b, bits)
    pos_edges = _side_edges(top_pos, b, bits)
    knots = torch.cat([-neg_edges.flip(1), pos_edges], dim=1)
    gap = torch.zeros_like(knots)
    for sketch, sign in ((source, 1.0), (target, -1.0)):
        counts = torch.cat([sketch[:, _HEADER : _HEADER + b].flip(1), sketch[:, 2:3], sketch[:, _HEADER + b :]], dim=1)
        cdf = counts.cumsum(dim=1) / counts.sum(dim=1, keepdim=True)
        gap[:, 1:] += sign * cdf
    g0, g1 = gap[:, :-1], gap[:, 1:]
    width = knots[:, 1:] - knots[:, :-1]
    same_sign = g0 * g1 >= 0
    crossing = (g0.square() + g1.square()) / (g0.abs() + g1.abs()).clamp_min(torch.finfo(torch.float64).tiny)
    area = torch.where(same_sign, g0.abs() + g1.abs(), crossing) * width / 2.0
    return area.sum(dim=1)
