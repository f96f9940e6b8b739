r"""Blockwise kernel sums Σ_{i,j} k(a_i, b_j) over all stored rows, the core of the exact
(J)MMD² (:mod:`.mmd`).

The rows are visited in blocks of ``block_size`` (:class:`dalearn.metrics._rows.RowBlocks`,
cast and shifted into reused buffers); each block pair costs one distance GEMM plus the
in-place passes of :mod:`.exp_ladder` (one exp per chain of the bandwidth ladder, one
squaring per further kernel), and its sum is accumulated in float64. The symmetric sums
visit only the blocks i ≤ j (off-diagonal blocks counted twice). The right-hand blocks
(reread for every left-hand block) are kept, with their squared norms, when they fit in
``_CACHE_BYTES``; otherwise they are rebuilt in a reused buffer on each use. Memory: the
stored rows plus a few block_size² buffers (plus the cache).
"""

from __future__ import annotations

from typing import Optional, Sequence

import torch

from dalearn.metrics._rows import RowBlocks
from dalearn.metrics.functional.exp_ladder import BlockWorkspace, ExpChain, layer_kernel, layer_kernel_sum

_CACHE_BYTES = 64 * 2**20


class _PreparedBlocks:
    """The row blocks of every layer of one domain, cast and shifted into reused buffers, with
    their rows' squared norms. With ``cache`` they are kept for every block when they fit in
    ``_CACHE_BYTES`` (the right-hand blocks are reread for every left-hand block)."""

    def __init__(self, layers: Sequence[RowBlocks], cache: bool) -> None:
        self.layers = layers
        self.buffers = [layer.buffer() for layer in layers]
        self.squares = [torch.empty_like(buffer) for buffer in self.buffers]
        size = sum(r.num_rows * b[0].numel() * b.element_size() for r, b in zip(layers, self.buffers))
        self.cache: Optional[dict[int, list[tuple[torch.Tensor, torch.Tensor]]]] = (
            {} if cache and size <= _CACHE_BYTES else None
        )

    def __len__(self) -> int:
        return len(self.layers[0])

    def __getitem__(self, index: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
        if self.cache is not None and index in self.cache:
            return self.cache[index]
        prepared = []
        for layer, buffer, squares in zip(self.layers, self.buffers, self.squares):
            rows = layer.block(index, None if self.cache is not None else buffer)
            prepared.append((rows, torch.mul(rows, rows, out=squares[: rows.size(0)]).sum(dim=1)))
        if self.cache is not None:
            self.cache[index] = prepared
        return prepared


def _joint_block_sum(
    left: Sequence[tuple[torch.Tensor, torch.Tensor]],
    right: Sequence[tuple[torch.Tensor, torch.Tensor]],
    same: bool,
    chains: Sequence[Sequence[ExpChain]],
    num_kernels: Sequence[int],
    workspace: BlockWorkspace,
) -> torch.Tensor:
    """Σ_{i,j} k(a_i, b_j) of one block pair (float64); ``same``: a block against itself."""
    if len(chains) == 1:
        return layer_kernel_sum(left[0], right[0], same, chains[0], workspace) / num_kernels[0]
    joint = None
    for layer, layer_chains in enumerate(chains):
        kernel = layer_kernel(left[layer], right[layer], same, layer_chains, workspace)
        if joint is None:
            joint = kernel
        else:
            joint.mul_(kernel)
            workspace.give(kernel)
    total = joint.sum(dim=1).to(torch.float64).sum()
    workspace.give(joint)
    return total


def kernel_sum(
    blocks_a: Sequence[RowBlocks],
    blocks_b: Optional[Sequence[RowBlocks]],
    chains: Sequence[Sequence[ExpChain]],
    num_kernels: Sequence[int],
) -> torch.Tensor:
    """Σ_{i,j} k(a_i, b_j) over all rows, block by block; ``blocks_b=None`` gives the
    symmetric Σ_{i,j} k(a_i, a_j) from the blocks i ≤ j (off-diagonal blocks counted twice).
    ``chains[l]`` are layer l's exp chains (:func:`.exp_ladder.chains_for`)."""
    first = blocks_a[0]
    device = first.chunks[0].device
    workspace = BlockWorkspace(first.block_size, first.dtype, device)
    total = torch.zeros((), dtype=torch.float64, device=device)
    lefts = _PreparedBlocks(blocks_a, cache=False)
    rights = _PreparedBlocks(blocks_a if blocks_b is None else blocks_b, cache=True)
    for i in range(len(lefts)):
        left = lefts[i]
        for j in range(i if blocks_b is None else 0, len(rights)):
            same = blocks_b is None and i == j
            weight = 2.0 if blocks_b is None and not same else 1.0
            total += weight * _joint_block_sum(left, rights[j], same, chains, num_kernels, workspace)
    return total
