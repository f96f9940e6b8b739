"""Shared test set-up: one torch thread per pytest worker (the suite runs with xdist on two
cores), and deterministic seeds."""

from __future__ import annotations

import os

import pytest
import torch

if os.environ.get("PYTEST_XDIST_WORKER"):
    torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)
