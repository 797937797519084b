"""Adam (AMSGrad) with the Noam schedule of "Attention is all you need" (LiftFormer's recipe), or
with VideoPose3D's exponential decay (its TCN's recipe)."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

SCHEDULES = ("noam", "exponential")


def cooldown_factor(progress: float, fraction: float) -> float:
    """The learning-rate multiplier of a linear cool-down over the last ``fraction`` of a run: 1 until
    ``1 - fraction`` of it is done, then falling linearly to 0 at the end (``progress`` 1). 0: none."""
    if fraction <= 0:
        return 1.0
    return min(1.0, max(0.0, (1.0 - progress) / fraction))


def noam_lr(step: int, d_model: int, warmup: int = 1000, factor: float = 12.0) -> float:
    """lr = factor · d_model^-0.5 · min(step^-0.5, step · warmup^-1.5), steps counted from 1."""
    step = max(step, 1)
    return factor * d_model**-0.5 * min(step**-0.5, step * warmup**-1.5)


def exponential_lr(step: int, lr: float = 1e-3, decay: float = 0.95, steps_per_epoch: int = 1) -> float:
    """lr · decay^(step / steps_per_epoch): VideoPose3D's per-epoch decay, applied smoothly per step."""
    return lr * decay ** (step / max(steps_per_epoch, 1))


def adam_options(model: nn.Module, compiled_step: bool = False) -> dict:
    """How Adam runs on the model's device: ``fused=True`` when every parameter is on CUDA (one
    multi-tensor kernel per step); ``lr`` as a tensor (and the single-tensor path, which is what
    torch.compile traces) when the step itself is compiled, so that the schedule changes the lr
    without a recompile; else torch's default (what the CPU always ran)."""
    if all(p.is_cuda for p in model.parameters()):
        return {"lr": 1.0, "fused": True}
    if compiled_step:
        return {"lr": torch.tensor(1.0), "foreach": False}
    return {"lr": 1.0}


def build_optimizer(
    model: nn.Module, d_model: int, warmup: int = 1000, factor: float = 12.0, lr_scale: float = 1.0,
    compiled_step: bool = False, multiplier: Callable[[int], float] = lambda i: 1.0,
) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LambdaLR]:
    """Adam(β=(0.9, 0.98), ε=1e-9, AMSGrad) whose learning rate follows :func:`noam_lr` × ``lr_scale``.

    The scheduler is stepped once per optimiser step; its base lr is 1, so the lambda *is* the
    learning rate. ``lr_scale`` is 1 for the paper's recipe (see :mod:`liftformer.training.recipe`).
    ``multiplier(step index)`` scales it further (the trainer's cool-down; 1 by default).
    """
    optimizer = torch.optim.Adam(
        model.parameters(), betas=(0.9, 0.98), eps=1e-9, amsgrad=True, **adam_options(model, compiled_step)
    )
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda i: lr_scale * noam_lr(i + 1, d_model, warmup, factor) * multiplier(i)
    )
    return optimizer, scheduler


def build_exponential_optimizer(
    model: nn.Module, lr: float = 1e-3, decay: float = 0.95, steps_per_epoch: int = 1, compiled_step: bool = False,
    multiplier: Callable[[int], float] = lambda i: 1.0,
) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LambdaLR]:
    """Adam (default β, AMSGrad) whose learning rate follows :func:`exponential_lr` (VideoPose3D),
    times ``multiplier(step index)``."""
    optimizer = torch.optim.Adam(model.parameters(), amsgrad=True, **adam_options(model, compiled_step))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda i: exponential_lr(i, lr, decay, steps_per_epoch) * multiplier(i)
    )
    return optimizer, scheduler
