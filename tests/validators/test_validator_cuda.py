"""The validators run on the inputs' device and agree with the CPU values (skipped without
CUDA)."""

from __future__ import annotations

import pytest
import torch
from validators_reference import problem

from dalearn.validators import available, build_validator

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")]


@pytest.mark.parametrize("name", sorted(available()))
def test_cuda_matches_cpu(name):
    data = problem(41)
    cpu, gpu = build_validator(name), build_validator(name).cuda()
    for half in (slice(0, 30), slice(30, None)):
        cpu.update(**{k: data[k][half] for k in cpu.inputs})
        gpu.update(**{k: data[k][half].cuda() for k in gpu.inputs})
    value = gpu.compute()
    assert value.is_cuda, name
    torch.testing.assert_close(value.cpu(), cpu.compute(), rtol=1e-9, atol=1e-10, msg=name)
