#!/usr/bin/env python3
"""The 3D check's precision: lifted frames whose bones are far from the person's own, and what replacing them does.

:mod:`liftformer.inference.lifting.bones` replaces a lifted frame whose bones, summed, are far from the track's
median lengths (summed |bone - median| over the summed medians, over 0.25) by the frames beside it. A heuristic
that edits poses must show that it does not make good ones worse, so this measures, against real ground truth:

1. **Human3.6M**, ``--split train`` (S1 S5 S6 S7 S8: where the limit was chosen) or ``test`` (S9 S11, 58 of the 59
   standard sequences; see ../shared/data/README.md), every camera, every frame (lifted at its 50 fps), real
   Stacked Hourglass detections (MPII, converted to H36M-17) lifted by the shipped model with flip: per rule and
   limit, the frames flagged, their MPJPE before and after the replacement, how many it made worse by more than
   5 mm, and the good poses (under 100 mm before) flagged and made worse. Beside the kept measure, those tried and
   not kept: the mean |log| of the bones' ratios to their medians (short bones weigh as much as long ones, and
   good poses were flagged for them), and the lifted pose's projection against its 2D (a weak-perspective fit's
   residual over the 2D's size: "lying flat while the 2D stands").
2. **Pose2Sim's Demo_MultiPerson**, every camera lifted by the package's pipeline without the check and with it,
   each flagged frame's P-MPJPE against the 4-view consensus (real_yardstick.py's reference) before and after.

    python benchmarks/bone_check.py --split train --no-demo          # about 7 minutes on 2 cores
    python benchmarks/bone_check.py [--split test] [--demo .cache/pose2sim/Pose2Sim/Demo_MultiPerson]
    python benchmarks/bone_check.py --detections .cache/data_2d_h36m_gt.npz --no-demo    # ground-truth 2D (liftformer prepare)

Either part is skipped, with a line saying so, when its data is absent.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import sys
import time
from contextlib import redirect_stderr
from pathlib import Path
from unittest import mock

import numpy as np
import torch

from liftformer.data.skeleton import H36M_17
from liftformer.evaluation.metrics import p_mpjpe
from liftformer.evaluation.multiview import SHARED_JOINTS
from liftformer.inference.lifting.bones import MAX_DEVIATION, bone_deviation, bone_lengths
from liftformer.inference.lifting.pretrained import load_model, load_trajectory
from liftformer.inference.lifting.sequence import lift_sequence
from liftformer.inference.options import LiftOptions
from liftformer.inference.tracks.prepare import interpolate_frames

sys.path.insert(0, str(Path(__file__).parent))
from real_yardstick import assign, clip_reference, lifted_tracks  # noqa: E402

LIMITS = (0.2, MAX_DEVIATION, 0.3)
GOOD_MM = 100.0


def projection_residual(keypoints: np.ndarray, poses: np.ndarray) -> np.ndarray:
    """(T,) the lifted poses' x, y fitted to the 2D by one scale (weak perspective), the residual over the 2D's size."""
    seen = keypoints - keypoints[:, :1]
    lifted = poses[..., :2] - poses[:, :1, :2]
    scale = (lifted * seen).sum((1, 2)) / (lifted * lifted).sum((1, 2))
    return np.linalg.norm(scale[:, None, None] * lifted - seen, axis=(1, 2)) / np.linalg.norm(seen, axis=(1, 2))


def mean_log_ratio(poses: np.ndarray) -> np.ndarray:
    """(T,) the mean |log(bone / its median)| over the 16 bones: the measure tried first."""
    bones = bone_lengths(poses, H36M_17.parents)
    return np.abs(np.log(bones / np.median(bones, axis=0))).mean(-1)


def human36m(data: Path, detections: Path | None = None, which: str = "test") -> None:
    from liftformer.data.datasets import load_split

    files = data / "h36m/data_3d_h36m_17j.npz", detections or data / "h36m/data_2d_h36m_sh_pt_mpii.npz"
    if not all(f.is_file() for f in files):
        print(f"Human3.6M part skipped: {files[0]} or {files[1]} is absent")
        return
    split = load_split("h36m", str(files[0]), str(files[1]), None, which, None, require_3d=True, to_h36m=True)
    model = load_model(None)
    rules = {f"bones > {limit:g}" + (" (kept)" if limit == MAX_DEVIATION else ""): ("bones", limit) for limit in LIMITS}
    rules.update({f"mean log ratio > {limit:g} (not kept)": ("ratios", limit) for limit in (0.25, 0.3)})
    rules.update({f"projection > {limit:g} (not kept)": ("projection", limit) for limit in (0.6, 0.7)})
    tally = {name: np.zeros(6) for name in rules}  # flagged, before, after, worse by 5 mm, good, good made worse
    frames, t0 = 0, time.perf_counter()
    for s in split.sequences:
        assert s.positions_3d is not None
        keypoints, truth = s.keypoints, s.positions_3d  # at their 50 fps: the model's windows span what it was trained on
        poses = lift_sequence(model, keypoints, batch_size=1024, flip=(H36M_17, H36M_17))
        error = 1000 * np.linalg.norm(poses - truth, axis=-1).mean(-1)
        frames += len(error)
        measures = {"bones": bone_deviation(poses, H36M_17.parents), "ratios": mean_log_ratio(poses),
                    "projection": projection_residual(keypoints, poses)}
        for name, (measure, limit) in rules.items():
            bad = measures[measure] > limit
            if not bad.any() or bad.all():
                continue
            after = 1000 * np.linalg.norm(interpolate_frames(poses, bad) - truth, axis=-1).mean(-1)
            good = error[bad] < GOOD_MM
            tally[name] += (bad.sum(), error[bad].sum(), after[bad].sum(), (after[bad] > error[bad] + 5).sum(), good.sum(),
                            (good & (after[bad] > error[bad])).sum())
    who = "S9 S11 (58 sequences)" if which == "test" else "S1 S5 S6 S7 S8"
    print(f"Human3.6M {which} subjects {who}, 4 cameras, every frame: {frames} frames, 2D {files[1].name}, shipped "
          f"model with flip; {time.perf_counter() - t0:.0f} s\n")
    print(f"| rule | frames flagged | MPJPE of those, before → after replacement (mm) | made worse by > 5 mm | "
          f"good poses (< {GOOD_MM:g} mm) flagged | of those, made worse |\n| --- | --- | --- | --- | --- | --- |")
    for name, (n, before, after, worse, good, good_worse) in tally.items():
        print(f"| {name} | {n:.0f} ({100 * n / frames:.2f}%) | {before / max(n, 1):.1f} → {after / max(n, 1):.1f} | {worse:.0f} | "
              f"{good:.0f} | {good_worse:.0f} |")


def demo_clip(demo: Path, cache: Path) -> None:
    if not Path(demo, "videos").is_dir():
        print(f"Demo part skipped: no Pose2Sim clip in {demo} (see real_yardstick.py's docstring)")
        return
    clip, cams, views, truth, people = clip_reference(demo, cache, LiftOptions.detector)
    model, calibration = load_model(None), load_trajectory(None)
    print(f"\n{clip.name}, detector {LiftOptions.detector}: per camera and person, the frames flagged (bones over "
          f"{MAX_DEVIATION:g}), their P-MPJPE against the 4-view consensus before and after (mm)\n")
    print("| camera | track | frames | flagged | P-MPJPE of those, before → after | made worse | P-MPJPE of the track, "
          "before → after |\n| --- | --- | --- | --- | --- | --- | --- |")
    shared = list(SHARED_JOINTS)
    for cam, view in zip(cams, views):
        options = LiftOptions(focal=float(cam.focal[0]))
        with mock.patch("liftformer.inference.offline.held_to_own_bones", lambda prepared, poses, kp: (prepared, poses)):
            before = lifted_tracks(view, model, options, calibration)
        after = lifted_tracks(view, model, options, calibration)
        owner = assign(cam, truth, before, people)
        for k, (pid, frames, poses, *_rest) in enumerate(before):
            bad = bone_deviation(poses, H36M_17.parents) > MAX_DEVIATION
            rows = [row for row in range(len(frames)) if (k, row) in owner]
            if not rows:
                continue
            true = np.stack([cam.world_to_camera(truth[frames[r], owner[(k, r)]]) for r in rows])[:, shared]
            errors = [1000 * p_mpjpe(p[rows][:, shared], true, reduction="none") for p in (poses, after[k][2])]
            flagged = bad[rows]
            pair = (f"{errors[0][flagged].mean():.1f} → {errors[1][flagged].mean():.1f}" if flagged.any() else "")
            worse = int((errors[1][flagged] > errors[0][flagged]).sum())
            print(f"| {cam.name} | {pid} | {len(rows)} | {int(flagged.sum())} | {pair} | {worse if flagged.any() else ''} | "
                  f"{errors[0].mean():.1f} → {errors[1].mean():.1f} |")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default=os.environ.get("LIFTFORMER_DATA", "../shared/data"))
    p.add_argument("--demo", default=".cache/pose2sim/Pose2Sim/Demo_MultiPerson")
    p.add_argument("--cache", default=".cache/yardstick")
    p.add_argument("--detections", type=Path, default=None, help="another Human3.6M 2D file (default: the SH detections)")
    p.add_argument("--no-demo", action="store_true", help="the Human3.6M part only")
    p.add_argument("--split", choices=("train", "test"), default="test", help="Human3.6M's subjects (default test)")
    args = p.parse_args()
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    print(f"{platform.processor() or platform.machine()}, torch {torch.__version__}, {os.cpu_count()} cores")
    human36m(Path(args.data), args.detections, args.split)
    if not args.no_demo:
        with redirect_stderr(io.StringIO()):
            demo_clip(Path(args.demo), Path(args.cache))


if __name__ == "__main__":
    main()
