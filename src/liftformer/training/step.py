"""One optimisation step of the lifting objective (MPJPE on root-relative 3D)."""

from __future__ import annotations

import torch
from torch import nn

from liftformer.evaluation.metrics import mpjpe


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
    """
    model.train()
    optimizer.zero_grad(set_to_none=True)
    with torch.autocast(inputs.device.type, dtype=autocast_dtype, enabled=autocast_dtype is not None):
        pred = model(inputs)
    loss = mpjpe(pred.float(), targets)
    loss.backward()
    optimizer.step()
    if scheduler is not None:
        scheduler.step()
    return loss.item()
