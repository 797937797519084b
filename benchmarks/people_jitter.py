#!/usr/bin/env python3
"""Frame-to-frame 2D jitter of each tracked person in a video, without and with the One-Euro smoothing of the
frames the several-people followers found, and what the smoothing costs. Needs the [video] extra (mediapipe).

    OMP_NUM_THREADS=1 python benchmarks/people_jitter.py clip3.mp4 [--lift]

The video is detected once; both rows track the same detections. Jitter: for each joint seen with score
> 0.3 in at least 6 frame pairs, the standard deviation over time of its per-frame step (a steady pan
drops out), in pixels, mean over those joints and both axes (the same joints, by the detector's scores, in both
rows). ``--lift`` also lifts every person with
the shipped model and gives the same measure of the 3D poses, in millimetres.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import time

import numpy as np

MIN_SCORE = 0.3


def jitter(pixels: np.ndarray, scores: np.ndarray) -> float:
    """Mean over well-seen joints and axes of the std over time of each joint's per-frame step."""
    step = np.diff(pixels, axis=0)
    seen = (scores[1:] > MIN_SCORE) & (scores[:-1] > MIN_SCORE) & np.isfinite(step).all(-1)
    stds = [step[seen[:, j], j].std(0).mean() for j in range(pixels.shape[1]) if seen[:, j].sum() > 5]
    return float(np.mean(stds)) if stds else float("nan")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("video")
    p.add_argument("--lift", action="store_true", help="also lift and measure the 3D jitter (mm)")
    args = p.parse_args()
    from liftformer.inference.sources.multipose import detect_video_people
    from liftformer.inference.tracks.smoothing import one_euro, smooth_keypoints
    from liftformer.inference.tracks.tracking import select_people

    t0 = time.perf_counter()
    kp = detect_video_people(args.video, progress=False)
    unsmoothed = 0 if kp.unsmoothed is None else int(kp.unsmoothed.sum())
    print(f"detected {len(kp.people)} frames in {time.perf_counter() - t0:.1f} s; {unsmoothed} from the followers (unsmoothed)")
    rows = {"raw": select_people(dataclasses.replace(kp, unsmoothed=None), "all").people,
            "smoothed": select_people(kp, "all").people}
    seen = {i: k.scores for i, k in rows["raw"]}  # the same joints in both rows: the detector's own scores
    for label, people in rows.items():
        print(f"{label:>8} 2D jitter px: " + ", ".join(f"person {i} {jitter(k.pixels, seen[i]):.2f}" for i, k in people))
    for i, k in rows["raw"]:
        reps = max(1, 2000 // len(k.pixels))
        t0 = time.perf_counter()
        for _ in range(reps):
            one_euro(k.pixels, k.fps or 30.0)
        filt = (time.perf_counter() - t0) / reps / len(k.pixels)
        t0 = time.perf_counter()
        for _ in range(reps):
            smooth_keypoints(k)
        whole = (time.perf_counter() - t0) / reps / len(k.pixels)
        print(f"person {i}: {k.pixels.shape[1]} joints, {len(k.pixels)} frames: one_euro {filt * 1e6:.0f} µs/frame, "
              f"smooth_keypoints (with visibility) {whole * 1e6:.0f} µs/frame")
    if args.lift:
        from liftformer.inference.lifting.pretrained import load_model
        from liftformer.inference.offline import lift_person
        from liftformer.inference.options import LiftOptions

        model = load_model(None)
        for label, people in rows.items():
            mm = []
            for _, k in people:
                with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
                    poses = lift_person(k, LiftOptions(), model).poses
                mm.append(float(np.diff(poses, axis=0).std(0).mean() * 1000))
            print(f"{label:>8} 3D jitter mm: " + ", ".join(f"person {i} {v:.2f}" for (i, _), v in zip(people, mm)))


if __name__ == "__main__":
    main()
