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
from liftformer.training.step import train_step, train_step_async


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


def gemm_reference(device: str = "cpu", seconds: float = 1.0, repeats: int = 3) -> tuple[float, str]:
    """FLOP/s of a GEMM timed now, the denominator of MFU, and what it was: bf16 8192³ on CUDA; on
    the CPU an fp32 GEMM whose size makes one call take about ``seconds`` (from a 512³ probe)."""
    if device.startswith("cuda"):
        size, dtype = 8192, torch.bfloat16
    else:
        size, dtype = 512, torch.float32
        probe = _gemm_flops(size, dtype, device, repeats)
        size = max(256, min(8192, 64 * round((probe * seconds / 2) ** (1 / 3) / 64)))
    name = f"{str(dtype).removeprefix('torch.')} {size}³"
    return _gemm_flops(size, dtype, device, repeats), name


def _gemm_flops(size: int, dtype: torch.dtype, device: str, repeats: int) -> float:
    a = torch.randn(size, size, device=device, dtype=dtype)
    b = torch.randn(size, size, device=device, dtype=dtype)

    def mm() -> None:
        torch.mm(a, b)
        if device.startswith("cuda"):
            torch.cuda.synchronize()

    return 2 * size**3 / statistics.median(time_calls(mm, repeats)) if repeats else 0.0


def mfu(config: WindowConfig, windows_per_second: float, training: bool, reference_flops: float) -> float:
    """Model-FLOP utilisation: the model's analytic FLOP/s (2 × MACs per window, ×3 for a training
    step's forward + backward) over a GEMM's measured FLOP/s."""
    return gflops(config, windows_per_second, training) * 1e9 / reference_flops


def compare_step_levers(
    config: WindowConfig, batch_size: int, steps: int = 10, repeats: int = 5, compile: bool = False, device: str = "cpu"
) -> dict[str, Measurement]:
    """Training windows/s of ``steps`` steps on one batch, timed alternately (so load drifts hit all):
    ``before``: the loss read after every step (:func:`train_step`), Adam as it was built before;
    ``after``: the loss kept on the device and read once per call (:func:`train_step_async`), Adam
    as :func:`~liftformer.training.optim.build_optimizer` builds it now (fused on CUDA);
    ``compiled`` (with ``compile``): ``after`` with the model and the optimiser step compiled."""
    from liftformer.training.optim import build_optimizer, noam_lr

    x = torch.randn(batch_size, config.receptive_field, config.num_joints_in, 2, device=device)
    y = torch.randn(batch_size, config.output_frames, config.num_joints_out, 3, device=device)
    runners: dict[str, Callable[[], object]] = {}
    for name in ("before", "after", "compiled")[: 3 if compile else 2]:
        torch.manual_seed(0)
        model = build_model(config).to(device)
        if name == "before":
            adam = torch.optim.Adam(model.parameters(), lr=1.0, betas=(0.9, 0.98), eps=1e-9, amsgrad=True)
            lam = torch.optim.lr_scheduler.LambdaLR(adam, lambda i: noam_lr(i + 1, config.width))
            runners[name] = lambda m=model, o=adam, s=lam: [train_step(m, o, s, x, y) for _ in range(steps)]  # type: ignore[misc]
            continue
        optimizer, sched = build_optimizer(model, config.width, compiled_step=name == "compiled" and device == "cpu")
        step = torch.compile(optimizer.step) if name == "compiled" and device == "cpu" else optimizer.step
        net = torch.compile(model) if name == "compiled" else model
        runners[name] = lambda m=net, o=optimizer, s=sched, st=step: float(  # type: ignore[misc]
            sum(train_step_async(m, o, s, x, y, optimizer_step=st).double() for _ in range(steps)))
    for fn in runners.values():
        fn()  # warm-up (and compile)
    times: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(repeats):
        for name, fn in runners.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: Measurement(name, batch_size * steps, t) for name, t in times.items()}


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
    from liftformer.inference.lifting.sequence import lift_sequence

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
