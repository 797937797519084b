"""Shared fixtures: everything is synthetic and built here; no dataset is read."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True)
def _deterministic() -> None:
    torch.manual_seed(0)


def tiny_model_kwargs(**overrides) -> dict:
    """A LiftFormer small enough to train in seconds on 2 CPU cores."""
    kw = dict(receptive_field=9, d_model=32, heads=4, blocks=2, ffn=64, dropout=0.0)
    kw.update(overrides)
    return kw
