#!/usr/bin/env python3
"""Frames per second of the package's video detection (every person in each frame), per video, with the
followers looking in threads (the default) and one after another, and whether both found the same keypoints.

    python benchmarks/detection_speed.py VIDEO [VIDEO ...] [--repeat 2] [--fused]

Run it under two checkouts back to back (``PYTHONPATH=/path/to/other/checkout/src python ...``) to compare them
(a checkout without the ``workers`` option is timed with its default only); it prints the machine, the package it
imported, and per video the frames, people per frame and the best of ``--repeat`` runs. ``--fused`` also times
``lift --detector fused`` (BlazePose and MoveNet, :mod:`liftformer.inference.sources.fusion`) in the same run.
"""

from __future__ import annotations

import argparse
import inspect
import io
import platform
import time
from contextlib import redirect_stderr

import numpy as np
import torch

import liftformer
from liftformer.inference.sources import multipose


def detect(video: str, workers: int | str | None):
    """The people of every frame, with ``workers`` threads (None: the package's default; "fused": the fused detector)."""
    if workers == "fused":
        from liftformer.inference.sources.fusion import FusedDetector

        detector = FusedDetector()
    else:
        detector = multipose.MediaPipeMultiPoseDetector(**({} if workers is None else {"workers": workers}))
    try:
        with redirect_stderr(io.StringIO()):
            return multipose.detect_video_people(video, detector, progress=False)
    finally:
        detector.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("videos", nargs="+")
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--fused", action="store_true", help="also time the fused detector (needs MoveNet: sources/movenet.py)")
    args = p.parse_args()
    print(f"{platform.processor() or platform.machine()}, torch {torch.__version__}; liftformer from {liftformer.__file__}")
    threaded = "workers" in inspect.signature(multipose.MediaPipeMultiPoseDetector).parameters
    for video in args.videos:
        found = {}
        for workers in ((None, 1) if threaded else (None,)) + (("fused",) if args.fused else ()):
            best = np.inf
            for _ in range(args.repeat):
                t = time.perf_counter()
                kp = detect(video, workers)
                best = min(best, time.perf_counter() - t)
            found[workers] = kp
            counts = np.bincount([len(q) for q in kp.people])
            label = "default" if workers is None else "fused" if workers == "fused" else f"{workers} worker"
            print(f"{video} ({label}): {len(kp.people)} frames, {len(kp.people) / best:.1f} frames/s (best of {args.repeat}); "
                  f"frames with 0, 1, 2, ... people: {list(map(int, counts))}")
        if None in found and 1 in found:
            same = all(np.array_equal(a, b, equal_nan=True) for a, b in zip(found[None].people, found[1].people))
            print(f"{video}: threaded and one-after-another keypoints identical: {same}")


if __name__ == "__main__":
    main()
