"""Timing: median-of-runs throughput of the training step, inference, the data pipeline and whole-sequence
lifting on this machine (``liftformer bench``, ``benchmarks/*.py``)."""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch

from liftformer.model import LiftFormer, LiftFormerConfig, WindowConfig, build_model
from liftformer.model.reference import PlainEncoderReference
from liftformer.training.step import train_step


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
    config: WindowConfig,
    batch_size: int,
    repeats: int = 5,
    device: str = "cpu",
    autocast_dtype: torch.dtype | None = None,
) -> list[Measurement]:
    """Training step (:func:`~liftformer.training.step.train_step`: forward, MPJPE, backward, Adam;
    no schedule) and inference-mode forward, in windows/s."""
    torch.manual_seed(0)
    model = build_model(config).to(device)
    x = torch.randn(batch_size, config.receptive_field, config.num_joints_in, 2, device=device)
    y = torch.randn(batch_size, config.output_frames, config.num_joints_out, 3, device=device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4, amsgrad=True)

    def sync() -> None:
        if device.startswith("cuda"):
            torch.cuda.synchronize()

    def step() -> None:
        train_step(model, optimizer, None, x, y, autocast_dtype)
        sync()

    def infer() -> None:
        model.eval()
        autocast = torch.autocast(x.device.type, dtype=autocast_dtype, enabled=autocast_dtype is not None)
        with torch.inference_mode(), autocast:
            model(x)
        sync()

    return [
        Measurement("train step (fwd+bwd+adam)", batch_size, time_calls(step, repeats)),
        Measurement("inference (fwd)", batch_size, time_calls(infer, repeats)),
    ]


def gflops(config: WindowConfig, windows_per_second: float, training: bool) -> float:
    """Achieved model GFLOP/s (2 FLOPs per MAC; backward counted as 2× forward)."""
    per_window = 2 * config.macs_per_window() * (3 if training else 1)
    return per_window * windows_per_second / 1e9


def gemm_peak_gflops(size: int = 2048, repeats: int = 5, device: str = "cpu") -> float:
    """This machine's measured fp32 matrix-multiply rate (GFLOP/s): the ceiling for the model."""
    a = torch.randn(size, size, device=device)
    b = torch.randn(size, size, device=device)

    def mm() -> None:
        torch.mm(a, b)
        if device.startswith("cuda"):
            torch.cuda.synchronize()

    return 2 * size**3 / statistics.median(time_calls(mm, repeats)) / 1e9


@dataclass(frozen=True)
class InferenceComparison:
    """LiftFormer's inference against the plain ``nn.TransformerEncoder`` on the same weights."""

    liftformer: Measurement
    plain: Measurement
    max_abs_diff: float

    @property
    def speedup(self) -> float:
        return self.liftformer.median_rate / self.plain.median_rate


def compare_inference(config: LiftFormerConfig, batch_size: int, repeats: int = 5, seed: int = 0) -> InferenceComparison:
    """Windows/s of both in inference mode, timed alternately so drifts hit both, plus max |Δ|."""
    torch.manual_seed(seed)
    model = LiftFormer(config).eval()
    plain = PlainEncoderReference(model).eval()
    x = torch.randn(batch_size, config.receptive_field, config.num_joints_in, 2)
    with torch.inference_mode():
        diff = float((model(x) - plain(x)).abs().max())
        model(x), plain(x)  # warm-up
        times: dict[str, list[float]] = {"liftformer": [], "plain": []}
        for _ in range(repeats):
            for name, net in (("liftformer", model), ("plain", plain)):
                start = time.perf_counter()
                net(x)
                times[name].append(time.perf_counter() - start)
    return InferenceComparison(
        Measurement("LiftFormer (centre-query last block)", batch_size, times["liftformer"]),
        Measurement("plain nn.TransformerEncoder", batch_size, times["plain"]),
        diff,
    )


def synthetic_window_dataset(num_frames: int, config: WindowConfig, seed: int = 0):
    """A WindowDataset over ``num_frames`` frames of synthetic motion (flip on), like Human3.6M's."""
    from liftformer.data.pipeline import WindowDataset
    from liftformer.data.sequences import Sequence
    from liftformer.data.skeleton import H36M_17
    from liftformer.data.synthetic import synthetic_sequence

    chunk = 2000
    clip = synthetic_sequence(chunk, seed=seed)
    pos = clip.positions_3d - clip.positions_3d[:, :1]
    seqs = [Sequence("S", f"A{i}", 0, clip.keypoints, pos, 50.0) for i in range(max(1, num_frames // chunk))]
    return WindowDataset(seqs, config.receptive_field, config.causal, flip=(H36M_17, H36M_17))


def measure_pipeline(dataset, batch_size: int, batches: int = 20) -> Measurement:
    """Samples/s of the data pipeline alone: shuffled epoch batches (gather + flip)."""
    generator = torch.Generator().manual_seed(0)

    def run() -> None:
        it = dataset.batches(batch_size, generator=generator)
        for _ in range(batches):
            next(it)

    return Measurement("data pipeline (gather + flip)", batch_size * batches, time_calls(run, 3))


def measure_training_end_to_end(dataset, config: WindowConfig, batch_size: int, steps: int = 3) -> Measurement:
    """Samples/s of real training steps fed by the pipeline (Noam Adam, MPJPE, flip)."""
    from liftformer.training.optim import build_optimizer

    torch.manual_seed(0)
    model = build_model(config)
    optimizer, scheduler = build_optimizer(model, config.width)
    generator = torch.Generator().manual_seed(0)

    def run() -> None:
        it = dataset.batches(batch_size, generator=generator)
        for _ in range(steps):
            train_step(model, optimizer, scheduler, *next(it))

    return Measurement("training end to end", batch_size * steps, time_calls(run, 3))


def measure_sequence_inference(config: WindowConfig, frames: int, batch_size: int = 64, flip: bool = False) -> Measurement:
    """Frames/s of ``lift_sequence`` on one long sequence (every frame gets its window; the TCN
    runs the whole sequence through its dilated convolutions)."""
    from liftformer.data.skeleton import H36M_17
    from liftformer.inference.lifting import lift_sequence

    torch.manual_seed(0)
    model = build_model(config).eval()
    keypoints = torch.randn(frames, config.num_joints_in, 2) * 0.3
    tta = (H36M_17, H36M_17) if flip else None
    return Measurement(
        f"lift_sequence ({frames} frames{', flip TTA' if flip else ''})", frames,
        time_calls(lambda: lift_sequence(model, keypoints, batch_size=batch_size, flip=tta), 3),
    )


def peak_memory_mb(device: str = "cpu") -> float:
    """Peak resident memory of this process (CPU) or peak allocated GPU memory, MiB."""
    if device.startswith("cuda"):
        return torch.cuda.max_memory_allocated() / 2**20
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
