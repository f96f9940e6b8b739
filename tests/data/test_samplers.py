"""The training stream and the evaluation shards."""

from __future__ import annotations

import itertools

import pytest

from dalearn.data.samplers import InfiniteBatchSampler, ShardSampler


def stream(sampler: InfiniteBatchSampler, epochs: int) -> list[list[int]]:
    batches = []
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        batches.extend(iter(sampler))
    return batches


def test_epochs_continue_one_stream_and_every_round_is_a_permutation():
    sampler = InfiniteBatchSampler(num_samples=10, batch_size=3, iters_per_epoch=4, seed=7)
    batches = stream(sampler, epochs=3)
    assert len(batches) == 12 and all(len(b) == 3 for b in batches)
    rounds = [sum(batches[i : i + 3], []) for i in range(0, 12, 3)]
    for indices in rounds:
        assert len(set(indices)) == 9 and set(indices) <= set(range(10))
    assert rounds[0] != rounds[1]
    assert batches == [sampler.batch(k) for k in range(12)]


def test_stream_is_a_function_of_seed_and_stream_id():
    a = stream(InfiniteBatchSampler(50, 4, 5, seed=1, stream=0), 2)
    assert a == stream(InfiniteBatchSampler(50, 4, 5, seed=1, stream=0), 2)
    assert a != stream(InfiniteBatchSampler(50, 4, 5, seed=2, stream=0), 2)
    assert a != stream(InfiniteBatchSampler(50, 4, 5, seed=1, stream=1), 2)


def test_ranks_get_disjoint_shards_of_each_round():
    ranks = [InfiniteBatchSampler(20, 2, 5, seed=3, rank=r, world_size=2) for r in range(2)]
    first_round = [set(itertools.chain.from_iterable(stream(s, 1))) for s in ranks]
    assert first_round[0].isdisjoint(first_round[1])
    assert first_round[0] | first_round[1] == set(range(20))


def test_too_small_domain_is_refused():
    with pytest.raises(ValueError, match="cannot fill batches of 8"):
        InfiniteBatchSampler(num_samples=10, batch_size=8, iters_per_epoch=1, world_size=2)


def test_shards_cover_every_sample_once():
    shards = [list(ShardSampler(11, rank=r, world_size=3)) for r in range(3)]
    assert sorted(sum(shards, [])) == list(range(11))
