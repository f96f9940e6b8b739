"""The generator's stream state: sample positions, the clean-image order and the random
streams, with a snapshot so that a failed ``sample()`` call can be undone.

Three independent random streams derive from the seed: the image order (NumPy,
``default_rng([seed, 1])``), the gradual schedule's draws (``default_rng([seed, 2])``) and the
drift parameters (a ``torch.Generator`` seeded with ``seed``). Images are taken from a random
permutation of the source; a fresh permutation starts only when every image has been used, so
consecutive takes never repeat or skip an image within a pass.
"""

from __future__ import annotations

import copy

import numpy as np
import torch


class SampleStream:
    """Positions (``sample_id``), image order and random streams of one generator."""

    def __init__(self, seed: int, num_images: int) -> None:
        if num_images < 1:
            raise ValueError(f"a stream needs at least one image, got {num_images}")
        self.num_images = num_images
        self.order_rng = np.random.default_rng([seed, 1])
        self.schedule_rng = np.random.default_rng([seed, 2])
        self.drift_generator = torch.Generator().manual_seed(seed)
        self.permutation = np.empty(0, dtype=np.int64)
        self.cursor = 0
        self.next_sample_id = 0

    def take(self, count: int) -> tuple[np.ndarray, np.ndarray]:
        """The next ``count`` sample ids and the source index of each."""
        ids = np.arange(self.next_sample_id, self.next_sample_id + count, dtype=np.int64)
        taken = []
        remaining = count
        while remaining > 0:
            if self.cursor == len(self.permutation):
                self.permutation = self.order_rng.permutation(self.num_images)
                self.cursor = 0
            part = self.permutation[self.cursor : self.cursor + remaining]
            self.cursor += len(part)
            remaining -= len(part)
            taken.append(part)
        self.next_sample_id += count
        return ids, (np.concatenate(taken) if taken else np.empty(0, dtype=np.int64))

    def snapshot(self) -> dict:
        """Everything :meth:`restore` needs to return to this point."""
        return {
            "order": copy.deepcopy(self.order_rng.bit_generator.state),
            "schedule": copy.deepcopy(self.schedule_rng.bit_generator.state),
            "drift": self.drift_generator.get_state(),
            "permutation": self.permutation,
            "cursor": self.cursor,
            "next": self.next_sample_id,
        }

    def restore(self, state: dict) -> None:
        self.order_rng.bit_generator.state = state["order"]
        self.schedule_rng.bit_generator.state = state["schedule"]
        self.drift_generator.set_state(state["drift"])
        self.permutation = state["permutation"]
        self.cursor = state["cursor"]
        self.next_sample_id = state["next"]
