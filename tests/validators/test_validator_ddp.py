"""Under DDP (2 processes, gloo, CPU) every validator equals the single-process value on the
same rows, although each process sees an interleaved half of them in several batches."""

from __future__ import annotations

import os

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

WORLD = 2
SOURCE = ("source_features", "source_logits", "source_labels")


def _data() -> dict:
    from validators_reference import problem

    return problem(31, n_source=50, n_target=76)


def _names() -> list[str]:
    from dalearn.validators import available

    return sorted(available())


def _feed(data: dict, batches: int) -> dict:
    from dalearn.validators import build_validator

    scores = {}
    for name in _names():
        validator = build_validator(name)
        n_source, n_target = len(data["source_labels"]), len(data["target_features"])
        for b in range(batches):
            batch = {}
            for key in validator.inputs:
                n = n_source if key in SOURCE else n_target
                lo, hi = b * n // batches, (b + 1) * n // batches
                batch[key] = data[key][lo:hi]
            validator.update(**batch)
        scores[name] = validator.compute()
    return scores


def _worker(rank: int, init_file: str, out_dir: str, test_dir: str) -> None:
    import sys

    sys.path.insert(0, test_dir)
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=WORLD)
    try:
        data = _data()
        share = {key: value[rank::WORLD] for key, value in data.items()}
        torch.save(_feed(share, batches=2 + rank), os.path.join(out_dir, f"rank{rank}.pt"))
    finally:
        dist.destroy_process_group()


@pytest.mark.slow
def test_ddp_equals_single_process(tmp_path):
    test_dir = os.path.dirname(os.path.abspath(__file__))
    mp.spawn(_worker, args=(str(tmp_path / "init"), str(tmp_path), test_dir), nprocs=WORLD, join=True)
    expected = _feed(_data(), batches=1)
    assert set(expected) == {"bnm", "class_ami", "dev", "devn", "entropy", "ima", "snd", "src_acc"}
    for rank in range(WORLD):
        got = torch.load(tmp_path / f"rank{rank}.pt", weights_only=False)
        for name, value in expected.items():
            if name in ("dev", "devn", "class_ami"):
                assert torch.equal(got[name], value), (rank, name, got[name], value)
            else:
                torch.testing.assert_close(got[name], value, rtol=1e-10, atol=1e-12, msg=f"rank{rank}.{name}")
