"""Where a video's time goes: `liftformer lift VIDEO --person all [--render]`, stage by stage.

Two runs of the same job in one process, after a warm-up:
- **one after another**: every thread pool and prefetcher replaced by a synchronous one, so each stage's wall time
  and the process's CPU time over it (MediaPipe's and LiteRT's own threads included) belong to that stage alone:
  milliseconds per frame and the cores it keeps busy (CPU ÷ wall). ffmpeg decodes and encodes in child processes:
  decoding is timed alone (wall, and the child's CPU once it is reaped); encoding's CPU is the children's after the
  writer closes, less the decoders'.
- **as shipped**: the same job with its threads, end to end, for the frames/s a user sees.

    python benchmarks/stage_profile.py VIDEO [VIDEO ...] [--render] [--detector fused|blazepose]

Prints the hardware, the clip, a table per video and the totals. Nothing is written beside the video.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import resource
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

STAGES = {  # stage → (module, attribute) of the calls that are that stage, in pipeline order
    "census": [("liftformer.inference.sources.graphs", "PoseDetector.regions")],
    "one person (legacy graph)": [("liftformer.inference.sources.detector", "MediaPipePoseDetector.detect")],
    "followers": [("liftformer.inference.sources.followers", "Crowd.detect")],
    "MoveNet": [("liftformer.inference.sources.movenet", "MoveNet.people")],
    "fusion": [("liftformer.inference.sources.fusion", "fuse"), ("liftformer.inference.sources.fusion", "_fused"),
               ("liftformer.inference.sources.fusion", "carried"), ("liftformer.inference.sources.fusion", "FusedDetector._name")],
    "tracking": [("liftformer.inference.tracks.tracking", "select_people")],
    "hygiene": [("liftformer.inference.offline", "clean_person")],
    "lifting": [("liftformer.inference.lifting.sequence", "lift_sequence")],
    "trajectory, floor, feet": [("liftformer.inference.offline", "place_person")],
    "writing": [("liftformer.inference.offline", "write_outputs")],
    "render: scale frame": [("liftformer.inference.writers.render", "_paint_input")],
    "render: draw": [("liftformer.inference.writers.render", "_draw_people_3d"),
                     ("liftformer.inference.writers.render", "draw_segments"),
                     ("liftformer.inference.writers.render", "draw_text")],
    "render: pipe to encoder": [("imageio.plugins.ffmpeg", "FfmpegFormat.Writer._append_data")],
}


class Clock:
    """Wall and process-CPU seconds and calls per stage; a stage inside another is not counted twice."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._inside = False

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        if self._inside:
            yield
            return
        self._inside = True
        w, c = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.wall[name] += time.perf_counter() - w
            self.cpu[name] += time.process_time() - c
            self.calls[name] += 1
            self._inside = False

    def timed(self, name: str, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.stage(name):
                return fn(*args, **kwargs)
        return wrapper


class SyncExecutor:
    """A thread pool that runs each task at once, in the caller's thread."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def submit(self, fn: Callable, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        future.set_result(fn(*args, **kwargs))
        return future

    def map(self, fn: Callable, *iterables: Any) -> Iterator:
        return iter([fn(*args) for args in zip(*iterables)])

    def shutdown(self, *args: Any, **kwargs: Any) -> None:
        pass


def _resolve(module: str, attribute: str) -> tuple[Any, str]:
    import importlib

    owner: Any = importlib.import_module(module)
    *path, name = attribute.split(".")
    for part in path:
        owner = getattr(owner, part)
    return owner, name


@contextlib.contextmanager
def instrumented(clock: Clock) -> Iterator[None]:
    """Every stage's calls timed, every pool and prefetcher synchronous, and decoding (the ffmpeg pipe's reads) timed
    as "decode (pipe)"; restored after."""
    import liftformer.inference.sources.video as video
    import liftformer.threads as threads
    from liftformer.inference.sources import fusion, multipose
    from liftformer.inference.writers import render

    patches: list[tuple[Any, str, Any]] = []

    def patch(owner: Any, name: str, value: Any) -> None:
        patches.append((owner, name, owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)))
        setattr(owner, name, value)

    for stage, targets in STAGES.items():
        for module, attribute in targets:
            owner, name = _resolve(module, attribute)
            if hasattr(owner, name):  # an older checkout may lack a function (profiled with another's code)
                patch(owner, name, clock.timed(stage, getattr(owner, name)))
    for module in (multipose, render, threads):
        patch(module, "prefetched", lambda items, size=4: iter(items))
    for module in (multipose, fusion):
        patch(module, "ThreadPoolExecutor", SyncExecutor)
    frames = video._frames

    def timed_frames(path: Any, reader: Any) -> Iterator:
        inner = frames(path, reader)
        while True:
            with clock.stage("decode (pipe read)"):
                item = next(inner, None)
            if item is None:
                return
            yield item

    patch(video, "_frames", timed_frames)
    try:
        yield
    finally:
        for owner, name, value in reversed(patches):
            setattr(owner, name, value)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def decode_alone(video: str) -> tuple[float, float, float, int]:
    """Wall, this process's CPU and the ffmpeg child's CPU seconds to decode every frame of ``video``, and the count."""
    from liftformer.inference.sources.video import iter_frames

    w, c, k = time.perf_counter(), time.process_time(), children_cpu()
    count = sum(1 for _ in iter_frames(video))
    return time.perf_counter() - w, time.process_time() - c, children_cpu() - k, count


def lift(video: str, out: Path, render: bool, detector: str) -> float:
    """Wall seconds of the offline job on ``video`` (everyone, outputs in ``out``; the render when asked)."""
    from liftformer.cli.main import main

    args = ["lift", video, "--person", "all", "--out", str(out / "r.npz"), "--detector", detector]
    if render:
        args += ["--render", str(out / "r.mp4")]
    with open(os.devnull, "w") as null, contextlib.redirect_stdout(null), contextlib.redirect_stderr(null):
        start = time.perf_counter()
        code = main(args)
        seconds = time.perf_counter() - start
    if code:
        raise SystemExit(f"{video}: liftformer lift exited {code}")
    return seconds


def profile(video: str, render: bool, detector: str) -> None:
    from liftformer.inference.sources.video import probe_video

    info = probe_video(video)
    with tempfile.TemporaryDirectory() as tmp:
        one, two = Path(tmp, "sequential"), Path(tmp, "shipped")
        one.mkdir(), two.mkdir()
        lift(video, two, False, detector)  # warm-up: imports, model files, page cache
        d_wall, d_cpu, d_child, frames = decode_alone(video)
        clock = Clock()
        before = children_cpu()
        with instrumented(clock):
            sequential = lift(video, one, render, detector)
        children = children_cpu() - before
        shipped = lift(video, two, render, detector)
        same = same_outputs(one, two)
    print(f"\n{Path(video).name}: {info.width}x{info.height}, {frames} frames at {info.fps:g} fps; detector {detector}; "
          f"{'with' if render else 'without'} --render")
    print(f"{'stage':34s} {'ms/frame':>9s} {'cores':>6s} {'share':>6s} {'calls':>6s}")
    rows = [("decode (ffmpeg, alone)", d_wall, d_cpu + d_child, frames)]
    rows += [(name, clock.wall[name], clock.cpu[name], clock.calls[name]) for name in ["decode (pipe read)", *STAGES]
             if clock.calls[name]]
    accounted = sum(clock.wall.values())
    rows.append(("other (Python glue, startup)", sequential - accounted, float("nan"), 0))
    passes = 2 if render else 1
    encode_cpu = children - passes * d_child
    for name, wall, cpu, calls in rows:
        print(f"{name:34s} {1000 * wall / frames:9.2f} {cpu / wall if wall > 0 and cpu == cpu else float('nan'):6.2f} "
              f"{wall / sequential:6.1%} {calls or '':>6}")
    if render:
        print(f"{'  x264 encoder (child CPU)':34s} {1000 * encode_cpu / frames:9.2f} cpu-ms/frame (runs beside the above)")
    print(f"one after another: {sequential:.2f} s = {frames / sequential:.2f} frames/s; "
          f"as shipped (threads): {shipped:.2f} s = {frames / shipped:.2f} frames/s; "
          f"the two runs' outputs (npz{', render' if render else ''}) {'identical' if same else 'DIFFER'}")


def same_outputs(one: Path, two: Path) -> bool:
    """Whether two runs wrote the same npz files with the same arrays, and the same render (byte for byte) if any."""
    import numpy as np

    if (one / "r.mp4").exists() != (two / "r.mp4").exists() or (
            (one / "r.mp4").exists() and (one / "r.mp4").read_bytes() != (two / "r.mp4").read_bytes()):
        return False
    names = sorted(p.name for p in one.glob("*.npz"))
    if not names or names != sorted(p.name for p in two.glob("*.npz")):
        return False
    for name in names:
        with np.load(one / name) as a, np.load(two / name) as b:
            if sorted(a.files) != sorted(b.files):
                return False
            if not all(np.array_equal(a[k], b[k], equal_nan=a[k].dtype.kind in "fc") for k in a.files):
                return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("videos", nargs="+")
    parser.add_argument("--render", action="store_true")
    parser.add_argument("--detector", default="fused", choices=["fused", "blazepose"])
    args = parser.parse_args()
    from liftformer.timing import hardware_description

    print(hardware_description(), f"({os.cpu_count()} cores)")
    for video in args.videos:
        if not Path(video).is_file():
            sys.exit(f"{video}: no such file (see benchmarks/pose2sim_clip.py for the development clip)")
        profile(video, args.render, args.detector)


if __name__ == "__main__":
    main()
