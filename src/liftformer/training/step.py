"""One optimisation step of the lifting objective (MPJPE on root-relative 3D), and the target frame it scores."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext

import torch
from torch import nn

from liftformer.evaluation.metrics import mpjpe
from liftformer.training.recipe import WeightEMA


def train_step(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    autocast_dtype: torch.dtype | None = None,
) -> float:
    """Forward, MPJPE loss, backward, optimiser and schedule step; returns the loss.

    ``model`` is a LiftFormer, possibly wrapped (DistributedDataParallel, torch.compile).
    ``inputs`` (B, N, J_in, 2) windows, ``targets`` root-relative 3D shaped like the model's
    output: (B, 1, J_out, 3) for the centre head, (B, N, J_out, 3) (MPJPE over all N frames)
    for the sequence head.
    ``autocast_dtype`` (e.g. ``torch.bfloat16``) runs the forward pass under autocast.
    Reading the loss as a float waits for the device: :func:`train_step_async` does not.
    """
    return train_step_async(model, optimizer, scheduler, inputs, targets, autocast_dtype).item()


def train_step_async(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    autocast_dtype: torch.dtype | None = None,
    clip_grad: float = 0.0,
    ema: WeightEMA | None = None,
    optimizer_step: Callable[[], object] | None = None,
    micro_batches: int = 1,
) -> torch.Tensor:
    """:func:`train_step` without reading the loss back: returns it as a detached 0-d tensor on the
    device, so the host can queue the next step at once (no synchronisation per step).

    ``clip_grad`` > 0 scales the gradients so that their global L2 norm is at most that (on the
    device, no synchronisation); ``ema`` is updated after the optimiser step;
    ``optimizer_step`` replaces ``optimizer.step`` (a compiled version of it). ``micro_batches`` > 1 runs
    the batch as that many forward/backward passes, each loss weighted by its share of the windows, so
    that the gradients add up to the whole batch's (under DDP only the last pass synchronises).
    """
    model.train()
    optimizer.zero_grad(set_to_none=True)
    if micro_batches > 1 and len(inputs) > 1:
        loss = _accumulate(model, inputs, targets, autocast_dtype, micro_batches)
    else:
        with torch.autocast(inputs.device.type, dtype=autocast_dtype, enabled=autocast_dtype is not None):
            pred = model(inputs)
        loss = mpjpe(pred.float(), targets)
        loss.backward()
    if clip_grad > 0:
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip_grad)
    (optimizer_step or optimizer.step)()
    if ema is not None:
        ema.update()
    if scheduler is not None:
        scheduler.step()
    return loss.detach()


def _accumulate(model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor, autocast_dtype: torch.dtype | None,
                micro_batches: int) -> torch.Tensor:
    """Forward and backward over ``micro_batches`` slices of the batch; returns the batch's mean loss (detached)."""
    total = inputs.new_zeros((), dtype=torch.float64)
    parts = max(1, min(micro_batches, len(inputs) // 2))  # never an empty or single-window slice (batch norm needs two)
    slices = list(zip(inputs.tensor_split(parts), targets.tensor_split(parts)))
    for i, (x, y) in enumerate(slices):
        last = i == len(slices) - 1
        no_sync = getattr(model, "no_sync", None)  # DistributedDataParallel: all-reduce once, after the last slice
        with nullcontext() if last or no_sync is None else no_sync():
            with torch.autocast(inputs.device.type, dtype=autocast_dtype, enabled=autocast_dtype is not None):
                pred = model(x)
            loss = mpjpe(pred.float(), y)
            (loss * (len(x) / len(inputs))).backward()
        total += loss.detach().double() * len(x)
    return (total / len(inputs)).float()


def target_frame(poses: torch.Tensor, index: int) -> torch.Tensor:
    """The window's target frame (B, 1, J, 3) of per-window poses (B, 1 or N, J, 3)."""
    return poses if poses.shape[1] == 1 else poses[:, index : index + 1]
