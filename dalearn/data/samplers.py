"""Index samplers for paired-domain training and sharded evaluation.

Training follows the reference recipe — one infinite, shuffled stream of mini-batches per
domain, incomplete batches dropped, and an "epoch" of a fixed number of iterations — but
unlike the reference the stream is a pure function of (seed, stream id, position):

    round r  = permutation of range(n) drawn from numpy's generator seeded with (seed, stream, r)
    shard    = round[rank :: world_size]   (every rank gets n // world_size indices)
    batches  = consecutive ``batch_size`` slices of the shard, the remainder dropped

Epoch e covers batches [e·iters, (e+1)·iters) of that stream, so a resumed run (or any rank
of a DDP job) continues exactly where an uninterrupted one would be.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np
from torch.utils.data import Sampler


class InfiniteBatchSampler(Sampler[list[int]]):
    """Yields ``iters_per_epoch`` batches of indices per epoch from a deterministic infinite stream."""

    def __init__(
        self,
        num_samples: int,
        batch_size: int,
        iters_per_epoch: int,
        seed: int = 0,
        stream: int = 0,
        rank: int = 0,
        world_size: int = 1,
    ) -> None:
        if batch_size <= 0 or iters_per_epoch <= 0:
            raise ValueError(f"batch_size and iters_per_epoch must be positive, got {batch_size}, {iters_per_epoch}")
        if not 0 <= rank < world_size:
            raise ValueError(f"rank {rank} is outside world_size {world_size}")
        shard = num_samples // world_size
        if shard < batch_size:
            raise ValueError(
                f"a domain with {num_samples} samples cannot fill batches of {batch_size} on {world_size} "
                f"process(es); lower data.batch_size"
            )
        self.num_samples = num_samples
        self.batch_size = batch_size
        self.iters_per_epoch = iters_per_epoch
        self.seed = seed
        self.stream = stream
        self.rank = rank
        self.world_size = world_size
        self.batches_per_round = shard // batch_size
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Called by Lightning before each training epoch."""
        self.epoch = epoch

    def _round(self, r: int) -> np.ndarray:
        order = np.random.default_rng([self.seed, self.stream, r]).permutation(self.num_samples)
        return order[self.rank :: self.world_size][: self.num_samples // self.world_size]

    def batch(self, position: int) -> list[int]:
        """The batch at absolute ``position`` of the stream."""
        r, k = divmod(position, self.batches_per_round)
        order = self._round(r)
        return order[k * self.batch_size : (k + 1) * self.batch_size].tolist()

    def __iter__(self) -> Iterator[list[int]]:
        start = self.epoch * self.iters_per_epoch
        cached_round, order = -1, None
        for position in range(start, start + self.iters_per_epoch):
            r, k = divmod(position, self.batches_per_round)
            if r != cached_round:
                cached_round, order = r, self._round(r)
            yield order[k * self.batch_size : (k + 1) * self.batch_size].tolist()

    def __len__(self) -> int:
        return self.iters_per_epoch


class ShardSampler(Sampler[int]):
    """Evaluation indices ``rank, rank + world, …`` in order: every sample is seen exactly once
    over all ranks (no padding, so accuracies synced across processes are exact)."""

    def __init__(self, num_samples: int, rank: int = 0, world_size: int = 1) -> None:
        self.indices = range(rank, num_samples, world_size)

    def __iter__(self) -> Iterator[int]:
        return iter(self.indices)

    def __len__(self) -> int:
        return len(self.indices)
