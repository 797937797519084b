"""Timing helpers: median-of-runs throughput of the model's training step and inference."""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch

from liftformer.model import LiftFormer, LiftFormerConfig
from liftformer.model.flops import macs_per_window


@dataclass(frozen=True)
class Measurement:
    """Throughput of one workload: ``items`` processed per call, call times in seconds."""

    name: str
    items: int
    seconds: list[float]

    @property
    def median_rate(self) -> float:
        return self.items / statistics.median(self.seconds)

    @property
    def spread(self) -> tuple[float, float]:
        """(slowest, fastest) rate over the runs."""
        return self.items / max(self.seconds), self.items / min(self.seconds)


def time_calls(fn: Callable[[], object], repeats: int, warmup: int = 1) -> list[float]:
    """Wall-clock seconds of ``repeats`` calls of ``fn`` after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def hardware_description() -> str:
    """One line: CPU/GPU model, threads, torch version."""
    if torch.cuda.is_available():
        device = torch.cuda.get_device_name()
    else:
        device = _cpu_model() or platform.processor() or platform.machine()
    return f"{device}; torch {torch.__version__}; {torch.get_num_threads()} threads"


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def measure_model(
    config: LiftFormerConfig,
    batch_size: int,
    repeats: int = 5,
    device: str = "cpu",
    autocast_dtype: torch.dtype | None = None,
) -> list[Measurement]:
    """Forward+backward (training step, Adam included) and inference-mode forward windows/s."""
    torch.manual_seed(0)
    model = LiftFormer.from_config(config).to(device)
    x = torch.randn(batch_size, config.receptive_field, config.num_joints_in, 2, device=device)
    y = torch.randn(batch_size, config.output_frames, config.num_joints_out, 3, device=device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4, amsgrad=True)
    autocast = dict(device_type=torch.device(device).type, dtype=autocast_dtype, enabled=autocast_dtype is not None)

    def sync() -> None:
        if device.startswith("cuda"):
            torch.cuda.synchronize()

    def train_step() -> None:
        model.train()
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(**autocast):
            loss = (model(x).float() - y).norm(dim=-1).mean()
        loss.backward()
        optimizer.step()
        sync()

    def infer() -> None:
        model.eval()
        with torch.inference_mode(), torch.autocast(**autocast):
            model(x)
        sync()

    return [
        Measurement("train step (fwd+bwd+adam)", batch_size, time_calls(train_step, repeats)),
        Measurement("inference (fwd)", batch_size, time_calls(infer, repeats)),
    ]


def gflops(config: LiftFormerConfig, windows_per_second: float, training: bool) -> float:
    """Achieved model GFLOP/s (2 FLOPs per MAC; backward counted as 2× forward)."""
    per_window = 2 * macs_per_window(config) * (3 if training else 1)
    return per_window * windows_per_second / 1e9
