"""MoveNet MultiPose on LiteRT: its thread count and input size against its cost, on a real video's frames.

    python benchmarks/movenet_options.py VIDEO [--frames 60]

Frames are decoded beforehand; each option runs MoveNet on every one of them (after one warm-up call) and prints the
median milliseconds a frame, wall and process CPU, so that CPU ÷ wall says how many cores it kept busy.
"""

from __future__ import annotations

import argparse
import statistics
import time
from itertools import islice

import numpy as np

from liftformer.inference.sources import movenet
from liftformer.inference.sources.video import iter_frames
from liftformer.timing import hardware_description


def measure(frames: list[np.ndarray], threads: int, long_side: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of one MoveNet call a frame."""
    from ai_edge_litert.interpreter import Interpreter

    model = movenet.MoveNet()
    model._interpreter = Interpreter(model_content=movenet.weights(), num_threads=threads)
    old, movenet.LONG_SIDE = movenet.LONG_SIDE, long_side
    try:
        model.people(frames[0])
        walls, cpus = [], []
        for frame in frames:
            w, c = time.perf_counter(), time.process_time()
            model.people(frame)
            walls.append(time.perf_counter() - w)
            cpus.append(time.process_time() - c)
    finally:
        movenet.LONG_SIDE = old
    return 1000 * statistics.median(walls), 1000 * statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video")
    parser.add_argument("--frames", type=int, default=60)
    args = parser.parse_args()
    frames = list(islice(iter_frames(args.video), args.frames))
    print(hardware_description(), f"; {args.video}: {len(frames)} frames of {frames[0].shape[1]}x{frames[0].shape[0]}")
    print("| LiteRT threads | input long side | ms a frame, wall | CPU | cores |")
    print("| --- | --- | --- | --- | --- |")
    for threads, side in ((1, movenet.LONG_SIDE), (2, movenet.LONG_SIDE), (1, 448), (1, 384)):
        wall, cpu = measure(frames, threads, side)
        print(f"| {threads} | {side} | {wall:.1f} | {cpu:.1f} | {cpu / wall:.2f} |")


if __name__ == "__main__":
    main()
