"""Will a training step fit in memory? Measure, compare, and split the batch into micro-batches if not.

A step's peak memory is the weights' share (parameters, gradients, Adam's three AMSGrad buffers, the
EMA copy) plus what the forward pass keeps for the backward pass, which grows linearly with the batch.
That second part is measured, not guessed: a forward pass under ``torch.autograd.graph.saved_tensors_hooks``
sums the bytes of every tensor autograd saves (each storage once), on the run's device and dtype, for 8
windows and for 4: the difference is what a window adds. ``SAVED_TO_PEAK`` covers what the backward pass adds
on top (gradients of activations, workspaces): on this project's CPU the measured peak of a real step
of the 18.96M paper model was 1.06× the saved bytes at batch 1024 (docs/benchmarks/training.md, *Training memory*).

Memory available: on CUDA the allocator's free memory (``torch.cuda.mem_get_info``); else the
cgroup's limit less its usage (reclaimable page cache not counted) where a limit is set, and the
kernel's MemAvailable, whichever is smaller, shared among the local DDP ranks.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from liftformer.model.base import WindowConfig
from liftformer.training.config import TrainConfig

SAVED_TO_PEAK = 1.25  # a step's activation peak over the bytes autograd saves (measured 1.06x; margin for allocators)
HEADROOM = 0.85  # the share of the available memory a step may plan to use
PROBE_WINDOWS = 8  # windows in the larger of the two measuring forward passes
ADAM_BUFFERS = 3  # AMSGrad: exp_avg, exp_avg_sq, max_exp_avg_sq


@dataclass(frozen=True)
class MemoryPlan:
    """How a batch is run: ``micro_batches`` forward/backward passes whose gradients add up to the batch's."""

    batch_size: int
    micro_batches: int
    per_window: float  # bytes a window's activations take at the peak of a step
    fixed: int  # bytes of weights, gradients, optimiser state (and EMA)
    available: int  # bytes available, from ``source``
    source: str

    @property
    def micro_batch_size(self) -> int:
        return math.ceil(self.batch_size / self.micro_batches)

    def peak(self, windows: int) -> float:
        """Estimated peak bytes of one forward/backward pass over ``windows`` windows."""
        return self.fixed + self.per_window * windows

    def describe(self) -> str:
        """One line for the user (when the batch is split)."""
        gb = 1e9
        return (f"memory: a batch of {self.batch_size} windows needs ~{self.peak(self.batch_size) / gb:.1f} GB, "
                f"{self.available / gb:.1f} GB available ({self.source}): {self.micro_batches} micro-batches of "
                f"{self.micro_batch_size} with gradient accumulation (~{self.peak(self.micro_batch_size) / gb:.1f} GB; "
                f"same effective batch and schedule, gradients equal to float rounding)")


def saved_bytes(model: nn.Module, windows: torch.Tensor, autocast_dtype: torch.dtype | None = None) -> int:
    """Bytes autograd saves for backward in one forward pass of ``windows`` (B, N, J, 2) in train mode (each storage once,
    the parameters included). The model is left as it was: mode, and buffers such as batch norm's running statistics."""
    storages: dict[tuple[int, int], int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        storage = t.untyped_storage()
        storages[(storage.data_ptr(), storage.nbytes())] = storage.nbytes()
        return t

    was_training = model.training
    buffers = {name: b.detach().clone() for name, b in model.named_buffers()}  # batch norm's running statistics
    model.train()
    try:
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            with torch.autocast(windows.device.type, dtype=autocast_dtype, enabled=autocast_dtype is not None):
                out = model(windows)
        del out
    finally:
        model.train(was_training)
        with torch.no_grad():
            for name, b in model.named_buffers():
                b.copy_(buffers[name])
    return sum(storages.values())


def saved_bytes_per_window(model: nn.Module, windows: torch.Tensor, autocast_dtype: torch.dtype | None = None) -> float:
    """What each more window adds to :func:`saved_bytes`: the slope between ``windows`` and its first half, so that
    what a pass saves whatever its size (the weights themselves) is not counted per window."""
    half = max(len(windows) // 2, 1)
    if half == len(windows):
        return float(saved_bytes(model, windows, autocast_dtype))
    return (saved_bytes(model, windows, autocast_dtype) - saved_bytes(model, windows[:half], autocast_dtype)) / (len(windows) - half)


def fixed_bytes(model: nn.Module, ema: bool) -> int:
    """Parameters, their gradients, Adam's buffers and an EMA copy."""
    params = sum(p.numel() * p.element_size() for p in model.parameters())
    return params * (2 + ADAM_BUFFERS + int(ema))


def available_memory(device: str | torch.device) -> tuple[int, str]:
    """Bytes a training process may still use on ``device``, and where the figure comes from."""
    device = torch.device(device)
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return int(free), "CUDA free memory"
    available, source = _meminfo_available(), "MemAvailable"
    limited = _cgroup_headroom()
    if limited is not None and limited < available:
        available, source = limited, "cgroup limit"
    ranks = max(int(os.environ.get("LOCAL_WORLD_SIZE", "1")), 1)
    if ranks > 1:
        available //= ranks
        source += f", shared by {ranks} ranks"
    return available, source


def _meminfo_available() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def _cgroup_headroom() -> int | None:
    """The cgroup's limit less its non-reclaimable usage (v2, else v1); None without a limit."""
    for limit_file, usage_file, stat_file, inactive in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current", "/sys/fs/cgroup/memory.stat", "inactive_file"),
        ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes",
         "/sys/fs/cgroup/memory/memory.stat", "total_inactive_file"),
    ):
        try:
            text = Path(limit_file).read_text().strip()
            if text == "max" or int(text) >= 1 << 60:
                return None
            usage = int(Path(usage_file).read_text())
            stats = dict(line.split() for line in Path(stat_file).read_text().splitlines() if line.count(" ") == 1)
            return max(int(text) - usage + int(stats.get(inactive, 0)), 0)
        except (OSError, ValueError):
            continue
    return None


def micro_batches_needed(batch: int, per_window: float, fixed: int, available: int, headroom: float = HEADROOM) -> int:
    """The fewest micro-batches whose largest fits ``headroom`` × ``available``; ValueError when one window does not."""
    budget = headroom * available - fixed
    if budget < per_window:
        raise ValueError(f"one training window needs ~{(fixed + per_window) / 1e9:.2f} GB but {available / 1e9:.2f} GB "
                         "is available: choose a smaller model (--d-model, --blocks, --ffn) or window (-n)")
    fits = max(int(budget // per_window), 1)
    return math.ceil(batch / min(fits, batch))


def plan_memory(model: nn.Module, window_shape: tuple[int, ...], batch: int, device: str, ema: bool = False,
                autocast_dtype: torch.dtype | None = None) -> MemoryPlan:
    """Measure a step's memory per window on ``device`` and plan the micro-batches of a ``batch``-window step."""
    probe = torch.zeros((min(PROBE_WINDOWS, batch), *window_shape), device=device)
    dev = torch.device(device)
    cuda = [dev.index if dev.index is not None else torch.cuda.current_device()] if dev.type == "cuda" else []
    with torch.random.fork_rng(devices=cuda):  # the probe's dropout draws leave the run's random streams as they were
        per_window = SAVED_TO_PEAK * saved_bytes_per_window(model, probe, autocast_dtype)
    fixed = fixed_bytes(model, ema)
    available, source = available_memory(device)
    return MemoryPlan(batch, micro_batches_needed(batch, per_window, fixed, available), per_window, fixed, available, source)


def micro_batch_plan(model: nn.Module, model_config: WindowConfig, cfg: TrainConfig, world_size: int = 1) -> tuple[MemoryPlan | None, int]:
    """A run's micro-batches per step: ``cfg.micro_batches`` when set (no plan), else measured for this rank's share."""
    if cfg.micro_batches:
        return None, cfg.micro_batches
    window = (model_config.receptive_field, model_config.num_joints_in, 2)
    plan = plan_memory(model, window, math.ceil(cfg.batch_size / world_size), cfg.device, cfg.ema > 0,
                       torch.bfloat16 if cfg.bf16 else None)
    return plan, plan.micro_batches
