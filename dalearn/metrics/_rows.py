"""Row storage helpers: a list of (n_i, F) chunks seen as one (N, F) matrix without
concatenating it, so that blockwise computations need O(block · F) extra memory."""

from __future__ import annotations

import torch


class RowBlocks:
    """Consecutive blocks of ``block_size`` rows of the virtual matrix ``cat(chunks)``.

    Block boundaries depend only on the global row index, never on how the rows were split
    into chunks, so two updates of 64 rows give exactly the blocks of one update of 128.
    Each block is cast to ``dtype`` and has ``shift`` subtracted (distances are translation
    invariant; a central shift keeps float32 distances accurate).
    """

    def __init__(
        self,
        chunks: list[torch.Tensor],
        block_size: int,
        dtype: torch.dtype,
        shift: torch.Tensor | None = None,
    ) -> None:
        if block_size < 1:
            raise ValueError(f"block_size must be a positive integer, got {block_size}")
        self.chunks = chunks
        self.block_size = int(block_size)
        self.dtype = dtype
        self.shift = shift
        self.offsets = [0]
        for chunk in chunks:
            self.offsets.append(self.offsets[-1] + chunk.size(0))
        self.num_rows = self.offsets[-1]

    def __len__(self) -> int:
        return -(-self.num_rows // self.block_size)

    def rows(self, start: int, stop: int, out: torch.Tensor | None = None) -> torch.Tensor:
        """Rows ``start:stop`` of the virtual matrix (a copy, in ``dtype``, shifted); written
        into ``out`` (a (≥ stop − start, F) buffer, its first rows used) when given."""
        pieces = []
        for chunk, lo, hi in zip(self.chunks, self.offsets[:-1], self.offsets[1:]):
            if hi <= start or lo >= stop:
                continue
            pieces.append(chunk[max(start, lo) - lo : min(stop, hi) - lo])
        if out is None:
            block = pieces[0].to(self.dtype) if len(pieces) == 1 else torch.cat([p.to(self.dtype) for p in pieces])
            return block if self.shift is None else block - self.shift
        block = out[: stop - start]
        filled = 0
        for piece in pieces:
            block[filled : filled + piece.size(0)].copy_(piece)
            filled += piece.size(0)
        return block if self.shift is None else block.sub_(self.shift)

    def block(self, index: int, out: torch.Tensor | None = None) -> torch.Tensor:
        """Block ``index`` (rows ``index·block_size`` onwards), optionally into ``out``."""
        if not 0 <= index < len(self):
            raise IndexError(index)
        start = index * self.block_size
        return self.rows(start, min(start + self.block_size, self.num_rows), out)

    def __getitem__(self, index: int) -> torch.Tensor:
        return self.block(index)

    def buffer(self) -> torch.Tensor:
        """An uninitialised (block_size, F) buffer for :meth:`block`'s ``out``."""
        num_features = self.chunks[0].size(1)
        return torch.empty(self.block_size, num_features, dtype=self.dtype, device=self.chunks[0].device)


def gather_rows(chunks: list[torch.Tensor], indices: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Rows of ``cat(chunks)`` at the global ``indices`` (in that order), without the cat."""
    indices = indices.to(torch.long)
    out = None
    start = 0
    for chunk in chunks:
        stop = start + chunk.size(0)
        mask = (indices >= start) & (indices < stop)
        if bool(mask.any()):
            if out is None:
                out = torch.empty(indices.numel(), chunk.size(1), dtype=dtype, device=chunk.device)
            where = torch.nonzero(mask).flatten()
            out[where] = chunk[(indices[where] - start).to(chunk.device)].to(dtype)
        start = stop
    if out is None:
        raise ValueError("gather_rows needs at least one index")
    return out


def common_dtype(chunks: list[torch.Tensor]) -> torch.dtype:
    """float64 if any chunk is float64, else float32."""
    return torch.float64 if any(c.dtype == torch.float64 for c in chunks) else torch.float32
