"""Adam (AMSGrad) with the Noam schedule of "Attention is all you need" (LiftFormer's recipe), or
with VideoPose3D's exponential decay (its TCN's recipe)."""

from __future__ import annotations

import torch
from torch import nn

SCHEDULES = ("noam", "exponential")


def noam_lr(step: int, d_model: int, warmup: int = 1000, factor: float = 12.0) -> float:
    """lr = factor · d_model^-0.5 · min(step^-0.5, step · warmup^-1.5), steps counted from 1."""
    step = max(step, 1)
    return factor * d_model**-0.5 * min(step**-0.5, step * warmup**-1.5)


def exponential_lr(step: int, lr: float = 1e-3, decay: float = 0.95, steps_per_epoch: int = 1) -> float:
    """lr · decay^(step / steps_per_epoch): VideoPose3D's per-epoch decay, applied smoothly per step."""
    return lr * decay ** (step / max(steps_per_epoch, 1))


def build_optimizer(
    model: nn.Module, d_model: int, warmup: int = 1000, factor: float = 12.0
) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LambdaLR]:
    """Adam(β=(0.9, 0.98), ε=1e-9, AMSGrad) whose learning rate follows :func:`noam_lr`.

    The scheduler is stepped once per optimiser step; its base lr is 1, so the lambda *is* the
    learning rate.
    """
    optimizer = torch.optim.Adam(model.parameters(), lr=1.0, betas=(0.9, 0.98), eps=1e-9, amsgrad=True)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda i: noam_lr(i + 1, d_model, warmup, factor)
    )
    return optimizer, scheduler


def build_exponential_optimizer(
    model: nn.Module, lr: float = 1e-3, decay: float = 0.95, steps_per_epoch: int = 1
) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LambdaLR]:
    """Adam (default β, AMSGrad) whose learning rate follows :func:`exponential_lr` (VideoPose3D)."""
    optimizer = torch.optim.Adam(model.parameters(), lr=1.0, amsgrad=True)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda i: exponential_lr(i, lr, decay, steps_per_epoch)
    )
    return optimizer, scheduler
