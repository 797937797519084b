#!/usr/bin/env python3
"""The root's camera-space path on Human3.6M: fit a model's depth calibration on the training subjects, then MRPE
(mm; x, y, z; depth error as % of depth) and absolute MPJPE on S9 + S11, beside the similar-triangles baseline.

    python benchmarks/trajectory.py --data-3d ../shared/data/h36m/data_3d_h36m_17j.npz \\
        --gt-2d data_2d_h36m_gt.npz [--sh-2d ../shared/data/h36m/data_2d_h36m_sh_pt_mpii.npz] \\
        [--checkpoint W.safetensors] [--causal] [--max-frames 600] [--write-calibration W.safetensors]

Every camera of every sequence, the first ``--max-frames`` frames of each (all by default). Rows: the model's
trajectory with its fitted calibration; the same with each subject's true stature (``--height``'s path);
the similar-triangles baseline (the training subjects' mean summed bone length over the 2D's angular size).
``--write-calibration`` stores the fitted calibration in a copy of the weights file's header.
"""

from __future__ import annotations

import argparse
import platform
import time
from collections import defaultdict

import numpy as np
import torch

from liftformer.data.camera import image_coordinates
from liftformer.data.datasets import load_split
from liftformer.data.h36m import cameras
from liftformer.data.sequences import action_group
from liftformer.data.skeleton import H36M_17
from liftformer.evaluation.trajectory import absolute_mpjpe, bone_length_sum, root_errors, similar_triangles_root
from liftformer.inference.lifting import lift_sequence
from liftformer.inference.lifting.pretrained import load_model, shipped_weights_path
from liftformer.inference.lifting.trajectory import (
    Calibration,
    Intrinsics,
    camera_trajectory,
    solve_root,
    stature,
    write_calibration,
)

TRAIN, TEST = ("S1", "S5", "S6", "S7", "S8"), ("S9", "S11")


def lifted(model, path_3d: str, path_2d: str, subjects: tuple[str, ...], max_frames: int | None) -> list[dict]:
    """Per sequence and camera: lifted poses, H36M-17 pixels, intrinsics, true poses and root."""
    cams = cameras()
    split = load_split("h36m", path_3d, path_2d, subjects, "test", None, require_3d=True, to_h36m=True)
    out = []
    for s in split.sequences:
        cam = cams[s.subject][s.camera]
        kp = s.keypoints[:max_frames]
        poses = lift_sequence(model, kp, flip=(H36M_17, H36M_17))
        out.append(dict(subject=s.subject, action=action_group(s.action), poses=poses.astype(np.float64),
                        pixels=image_coordinates(kp, cam.width, cam.height), gt=s.positions_3d[:max_frames].astype(np.float64),
                        root=s.trajectory[:max_frames].astype(np.float64),
                        intrinsics=Intrinsics(tuple(cam.focal), tuple(cam.center), "Human3.6M calibration")))
    return out


def fit_depth_scale(rows: list[dict]) -> float:
    """exp(median log(true depth / solved depth)) over every frame: the model's size bias on these subjects."""
    ratios = [np.log(r["root"][:, 2] / solve_root(r["poses"], r["intrinsics"].rays(r["pixels"]))[:, 2]) for r in rows]
    return float(np.exp(np.median(np.concatenate(ratios))))


def report(rows: list[dict], calibration: Calibration, body_size: float, fps: float = 50.0) -> None:
    methods = {
        "model": lambda r: camera_trajectory(r["poses"], r["pixels"], r["intrinsics"], calibration, fps=fps),
        "model + true stature": lambda r: camera_trajectory(r["poses"], r["pixels"], r["intrinsics"], calibration, fps=fps,
                                                            height=stature(r["gt"])),
        "similar triangles": lambda r: similar_triangles_root(r["intrinsics"].rays(r["pixels"]), body_size, H36M_17),
    }
    for name, method in methods.items():
        by_action: dict[str, list[np.ndarray]] = defaultdict(list)
        parts: dict[str, list[np.ndarray]] = defaultdict(list)
        for r in rows:
            root = method(r)
            errors = root_errors(root, r["root"])
            for k, v in errors.items():
                parts[k].append(v)
            parts["abs_mpjpe"].append(absolute_mpjpe(r["poses"], root, r["gt"], r["root"]))
            by_action[r["action"]].append(errors["mrpe"])
        mean = {k: float(np.concatenate(v).mean()) for k, v in parts.items()}
        print(f"| {name} | {1000 * mean['mrpe']:.1f} | {1000 * mean['x']:.1f} | {1000 * mean['y']:.1f} | "
              f"{1000 * mean['z']:.1f} | {mean['depth_pct']:.1f}% | {1000 * mean['abs_mpjpe']:.1f} |")
        print("  per action (MRPE mm): " + ", ".join(f"{a} {1000 * np.concatenate(v).mean():.0f}" for a, v in sorted(by_action.items())))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data-3d", required=True)
    p.add_argument("--gt-2d", required=True, help="ground-truth 2D (liftformer prepare h36m)")
    p.add_argument("--sh-2d", default=None, help="Stacked Hourglass detections (also scored)")
    p.add_argument("--checkpoint", default=None)
    p.add_argument("--causal", action="store_true", help="the shipped causal model, causal depth smoothing")
    p.add_argument("--max-frames", type=int, default=None)
    p.add_argument("--write-calibration", default=None, metavar="OUT.safetensors")
    args = p.parse_args()
    torch.set_num_threads(1)
    t0 = time.perf_counter()
    model = load_model(args.checkpoint, causal=args.causal)
    train = lifted(model, args.data_3d, args.gt_2d, TRAIN, args.max_frames)
    calibration = Calibration(fit_depth_scale(train), causal=args.causal)
    body_size = float(np.mean([np.median(bone_length_sum(r["gt"], H36M_17)) for r in train]))
    print(f"{platform.processor() or platform.machine()}, torch {torch.__version__}; model: {args.checkpoint or 'shipped'}"
          f"{' causal' if args.causal else ''}; frames per sequence: {args.max_frames or 'all'}")
    print(f"fitted on S1 S5 S6 S7 S8 (GT 2D): depth_scale {calibration.depth_scale:.4f}; training subjects' mean summed "
          f"bone length {body_size:.3f} m")
    for name, path in (("GT 2D", args.gt_2d), ("SH detections", args.sh_2d)):
        if path is None:
            continue
        rows = lifted(model, args.data_3d, path, TEST, args.max_frames)
        print(f"\n{name}, S9 + S11, {sum(len(r['root']) for r in rows)} frames, every camera:\n")
        print("| method | MRPE mm | x | y | z | depth error | absolute MPJPE mm |\n| --- | --- | --- | --- | --- | --- | --- |")
        report(rows, calibration, body_size)
    if args.write_calibration:
        write_calibration(args.checkpoint or shipped_weights_path(args.causal), args.write_calibration, calibration)
        print(f"wrote {args.write_calibration}")
    print(f"\n{time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
