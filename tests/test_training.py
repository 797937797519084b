from __future__ import annotations

import math

import pytest
import torch

from conftest import tiny_model_kwargs
from liftformer import LiftFormer, LiftFormerConfig
from liftformer.data.synthetic import synthetic_sequence
from liftformer.data.windows import sliding_windows
from liftformer.training.optim import build_exponential_optimizer, build_optimizer, exponential_lr, noam_lr
from liftformer.training.step import train_step


def test_noam_schedule_shape():
    d, warmup, factor = 512, 1000, 12.0
    peak = noam_lr(warmup, d, warmup, factor)
    assert peak == pytest.approx(factor * d**-0.5 * warmup**-0.5)
    assert noam_lr(1, d, warmup, factor) == pytest.approx(peak / warmup)  # linear warm-up from step 1
    assert noam_lr(500, d, warmup, factor) == pytest.approx(peak / 2)
    assert noam_lr(4000, d, warmup, factor) == pytest.approx(peak / 2)  # then ∝ step^-0.5
    assert max(noam_lr(s, d, warmup, factor) for s in range(1, 5000)) == pytest.approx(peak)


def test_optimizer_is_amsgrad_adam_following_noam():
    model = LiftFormer(LiftFormerConfig(**tiny_model_kwargs()))
    optimizer, scheduler = build_optimizer(model, d_model=32, warmup=10, factor=2.0)
    assert isinstance(optimizer, torch.optim.Adam) and optimizer.param_groups[0]["amsgrad"]
    lrs = []
    for _ in range(20):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    assert lrs == pytest.approx([noam_lr(s, 32, 10, 2.0) for s in range(1, 21)])


def test_exponential_schedule_is_videopose3d_per_epoch_decay():
    assert exponential_lr(0, 1e-3, 0.95, steps_per_epoch=10) == pytest.approx(1e-3)
    assert exponential_lr(10, 1e-3, 0.95, steps_per_epoch=10) == pytest.approx(0.95e-3)
    assert exponential_lr(25, 1e-3, 0.95, steps_per_epoch=10) == pytest.approx(1e-3 * 0.95**2.5)
    optimizer, scheduler = build_exponential_optimizer(torch.nn.Linear(2, 2), 1e-3, 0.5, steps_per_epoch=2)
    assert optimizer.param_groups[0]["amsgrad"]
    for _ in range(4):
        optimizer.step()
        scheduler.step()
    assert optimizer.param_groups[0]["lr"] == pytest.approx(1e-3 * 0.25)


def test_tiny_model_overfits_synthetic_sequence():
    """End to end: synthetic 3D motion → projected 2D → windows → MPJPE drops well below its start."""
    seq = synthetic_sequence(64, seed=3)
    target = torch.from_numpy(seq.positions_3d - seq.positions_3d[:, :1])  # root-relative, metres
    inputs = sliding_windows(torch.from_numpy(seq.keypoints), 9).contiguous()
    model = LiftFormer(LiftFormerConfig(**tiny_model_kwargs(receptive_field=9, d_model=64, ffn=128)))
    optimizer, scheduler = build_optimizer(model, d_model=64, warmup=50, factor=0.5)
    losses = [train_step(model, optimizer, scheduler, inputs, target[:, None]) for _ in range(300)]
    assert all(math.isfinite(v) for v in losses)
    first, last = losses[0], min(losses[-20:])
    assert last < 0.25 * first, f"MPJPE {first * 1000:.1f} mm → {last * 1000:.1f} mm"
    assert last < 0.03, f"final MPJPE {last * 1000:.1f} mm on one memorised 64-frame clip"
