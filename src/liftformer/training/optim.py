"""Adam (AMSGrad) with the Noam learning-rate schedule of "Attention is all you need"."""

from __future__ import annotations

import torch
from torch import nn


def noam_lr(step: int, d_model: int, warmup: int = 1000, factor: float = 12.0) -> float:
    """lr = factor · d_model^-0.5 · min(step^-0.5, step · warmup^-1.5), steps counted from 1."""
    step = max(step, 1)
    return factor * d_model**-0.5 * min(step**-0.5, step * warmup**-1.5)


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
