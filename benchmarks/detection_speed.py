#!/usr/bin/env python3
"""Frames per second of the package's video detection (``read_people``: every person in each frame), per video.

    python benchmarks/detection_speed.py VIDEO [VIDEO ...] [--repeat 2]

Run it under two checkouts back to back (``PYTHONPATH=/path/to/other/checkout/src python ...``) to compare them;
it prints the machine, the package it imported, and per video the frames, people per frame and the best of
``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import io
import platform
import time
from contextlib import redirect_stderr

import numpy as np
import torch

import liftformer
from liftformer.inference.sources.read import read_people


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("videos", nargs="+")
    p.add_argument("--repeat", type=int, default=2)
    args = p.parse_args()
    print(f"{platform.processor() or platform.machine()}, torch {torch.__version__}; liftformer from {liftformer.__file__}")
    for video in args.videos:
        best, kp = np.inf, None
        for _ in range(args.repeat):
            t = time.perf_counter()
            with redirect_stderr(io.StringIO()):
                kp = read_people(video)
            best = min(best, time.perf_counter() - t)
        people = getattr(kp, "people", None)
        counts = np.bincount([len(q) for q in people]) if people is not None else []
        print(f"{video}: {len(kp.pixels)} frames, {len(kp.pixels) / best:.1f} frames/s (best of {args.repeat}); "
              f"frames with 0, 1, 2, ... people: {list(map(int, counts))}")


if __name__ == "__main__":
    main()
