#!/usr/bin/env python3
"""The root's camera-space path on Human3.6M S9 + S11: MRPE (mm; x, y, z; depth error as % of depth) and absolute
MPJPE of a model's trajectory, beside each subject's true stature and the similar-triangles baseline.

    python benchmarks/trajectory.py --data-3d ../shared/data/h36m/data_3d_h36m_17j.npz \\
        --gt-2d data_2d_h36m_gt.npz [--sh-2d ../shared/data/h36m/data_2d_h36m_sh_pt_mpii.npz] \\
        [--checkpoint W.safetensors | --causal] [--max-frames N] [--fit-frames 300]
    python benchmarks/trajectory.py ... --write-calibration OUT.safetensors [--smooth 0.3]

Every camera of every test sequence, the first ``--max-frames`` frames of each (all by default). Rows: the
model's trajectory with the calibration in its weights file; with ``--fit-frames N`` also a depth correction
fitted on the training subjects; with each subject's true stature (``--person-height``'s path); the
similar-triangles baseline (the training subjects' mean summed bone length over the 2D's angular size); then
the model with the field of view given ``--fov-error`` degrees too wide and too narrow. ``--write-calibration``
writes a copy of the weights with a calibration (depth scale 1, ``--smooth`` seconds) and exits.
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from scipy.ndimage import gaussian_filter1d

from liftformer.data.camera import image_coordinates
from liftformer.data.datasets import load_split
from liftformer.data.h36m import cameras
from liftformer.data.sequences import action_group
from liftformer.data.skeleton import H36M_17
from liftformer.evaluation.trajectory import absolute_mpjpe, bone_length_sum, root_errors, similar_triangles_root
from liftformer.inference.lifting import lift_sequence
from liftformer.inference.lifting.feet import foot_contacts, foot_skate, pin_feet
from liftformer.inference.lifting.ground import fit_ground
from liftformer.inference.lifting.pretrained import load_model, shipped_weights_path
from liftformer.inference.lifting.trajectory import (
    Calibration,
    Intrinsics,
    body_scale,
    camera_trajectory,
    load_calibration,
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
                        intrinsics=Intrinsics.from_camera(cam)))
    return out


def fit_depth_scale(rows: list[dict]) -> float:
    """exp(median log(true depth / solved depth)) over every frame: the model's size bias on these subjects."""
    ratios = [np.log(r["root"][:, 2] / solve_root(r["poses"], r["intrinsics"].rays(r["pixels"]))[:, 2]) for r in rows]
    return float(np.exp(np.median(np.concatenate(ratios))))


def report(rows: list[dict], methods: dict[str, Callable[[dict], tuple[np.ndarray, float]]]) -> None:
    """One table row per method (its root path and body scale per sequence), then MRPE per action."""
    print("| method | MRPE mm | x | y | z | depth error | absolute MPJPE mm |\n| --- | --- | --- | --- | --- | --- | --- |")
    per_action = {}
    for name, method in methods.items():
        by_action: dict[str, list[np.ndarray]] = defaultdict(list)
        parts: dict[str, list[np.ndarray]] = defaultdict(list)
        for r in rows:
            root, scale = method(r)
            errors = root_errors(root, r["root"])
            for k, v in errors.items():
                parts[k].append(v)
            parts["abs_mpjpe"].append(absolute_mpjpe(np.reshape(scale, (-1, 1, 1)) * r["poses"], root, r["gt"], r["root"]))
            by_action[r["action"]].append(errors["mrpe"])
        mean = {k: float(np.concatenate(v).mean()) for k, v in parts.items()}
        print(f"| {name} | {1000 * mean['mrpe']:.1f} | {1000 * mean['x']:.1f} | {1000 * mean['y']:.1f} | "
              f"{1000 * mean['z']:.1f} | {mean['depth_pct']:.1f}% | {1000 * mean['abs_mpjpe']:.1f} |")
        per_action[name] = {a: 1000 * float(np.concatenate(v).mean()) for a, v in sorted(by_action.items())}
    actions = list(next(iter(per_action.values())))
    print("\nMRPE by action (mm):\n\n| method | " + " | ".join(actions) + " |\n|" + " --- |" * (len(actions) + 1))
    for name, row in per_action.items():
        print(f"| {name} | " + " | ".join(f"{row[a]:.0f}" for a in actions) + " |")


def feet_report(rows: list[dict], calibration: Calibration, fps: float = 50.0) -> None:
    """Foot skate (mm of horizontal ankle travel per frame while in contact, contacts from the ground truth) of the
    ground truth, the raw lifted output and the output after the foot pinning of ``--fix-feet``, each in its own
    floor-fitted world frame; the contact flags' agreement with the ground truth's; the pinning's effect on MPJPE."""
    skate: dict[str, list[float]] = defaultdict(list)
    agree, mpjpe_raw, mpjpe_fixed = [], [], []
    for r in rows:
        truth = r["gt"] + r["root"][:, None]
        truth_world = fit_ground(truth).to_world(truth)
        contacts = foot_contacts(truth_world, fps)
        root = camera_trajectory(r["poses"], r["pixels"], r["intrinsics"], calibration, fps=fps)
        camera = body_scale(r["poses"], calibration)[:, None, None] * r["poses"] + root[:, None]
        ground = fit_ground(camera)
        world = ground.to_world(camera)
        predicted = foot_contacts(world, fps)
        fixed_world = pin_feet(world, predicted, fps)
        fixed_root = root + (fixed_world[:, 0] - world[:, 0]) @ ground.rotation
        for name, w in (("ground truth", truth_world), ("lifted", world), ("lifted, --fix-feet", fixed_world)):
            value = foot_skate(w, contacts)
            if np.isfinite(value):
                skate[name] += [value] * len(w)
        agree.append(predicted == contacts)
        scaled = body_scale(r["poses"], calibration)[:, None, None] * r["poses"]
        mpjpe_raw.append(absolute_mpjpe(scaled, root, r["gt"], r["root"]))
        mpjpe_fixed.append(absolute_mpjpe(scaled, fixed_root, r["gt"], r["root"]))
    print("| | foot skate, mm per contact frame |\n| --- | --- |")
    for name, values in skate.items():
        print(f"| {name} | {np.mean(values):.1f} |")
    print(f"\ncontact flags agreeing with the ground truth's: {100 * np.concatenate(agree).mean():.1f}% of foot-frames; "
          f"absolute MPJPE {1000 * np.concatenate(mpjpe_raw).mean():.1f} mm raw, {1000 * np.concatenate(mpjpe_fixed).mean():.1f} mm "
          "after --fix-feet (root-relative poses unchanged: MPJPE P1 identical)")


def methods(calibration: Calibration, fitted: float | None, body_size: float) -> dict[str, Callable[[dict], tuple[np.ndarray, Any]]]:
    def model(cal: Calibration, true_height: bool = False) -> Callable[[dict], tuple[np.ndarray, Any]]:
        def run(r: dict) -> tuple[np.ndarray, Any]:
            height = stature(r["gt"]) if true_height else None
            return (camera_trajectory(r["poses"], r["pixels"], r["intrinsics"], cal, fps=50.0, height=height),
                    body_scale(r["poses"], cal, height))
        return run

    out = {f"model (its calibration: depth scale {calibration.depth_scale:g}, smoothing {calibration.smooth_s:g} s)": model(calibration)}
    if fitted is not None:
        out[f"model, depth scale {fitted:.4f} fitted on S1 S5 S6 S7 S8"] = model(dataclasses.replace(calibration, depth_scale=fitted))
    out["model + each subject's true stature"] = model(calibration, true_height=True)
    out["similar triangles (training subjects' mean size)"] = lambda r: (
        similar_triangles_root(r["intrinsics"].rays(r["pixels"]), body_size, H36M_17), 1.0)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data-3d", required=True)
    p.add_argument("--gt-2d", required=True, help="ground-truth 2D (liftformer prepare h36m)")
    p.add_argument("--sh-2d", default=None, help="Stacked Hourglass detections (also scored)")
    p.add_argument("--checkpoint", default=None)
    p.add_argument("--causal", action="store_true", help="the shipped causal model")
    p.add_argument("--max-frames", type=int, default=None, help="the first N frames of each test sequence (default: all)")
    p.add_argument("--fit-frames", type=int, default=0, help="also fit a depth correction on the training subjects' first N frames")
    p.add_argument("--fov-error", type=float, default=10.0, help="also score a field of view off by this many degrees")
    p.add_argument("--write-calibration", default=None, metavar="OUT.safetensors", help="a copy of the weights with --smooth's calibration")
    p.add_argument("--smooth", type=float, default=None, help="with --write-calibration: the depth smoothing, seconds")
    args = p.parse_args()
    torch.set_num_threads(1)
    t0 = time.perf_counter()
    weights = args.checkpoint or shipped_weights_path(args.causal)
    if args.write_calibration:
        calibration = Calibration(1.0, 0.3 if args.smooth is None else args.smooth, args.causal)
        write_calibration(weights, args.write_calibration, calibration)
        print(f"wrote {args.write_calibration}: {calibration}")
        return
    calibration = load_calibration(weights) or Calibration(causal=args.causal)
    model = load_model(args.checkpoint, causal=args.causal)
    fitted = None
    if args.fit_frames:  # the training subjects: a depth correction, and the depth smoothing chosen there
        train_rows = lifted(model, args.data_3d, args.gt_2d, TRAIN, args.fit_frames)
        fitted = fit_depth_scale(train_rows)
        sweep = {smooth: np.concatenate([root_errors(camera_trajectory(r["poses"], r["pixels"], r["intrinsics"],
                                                                      dataclasses.replace(calibration, smooth_s=smooth)), r["root"])["mrpe"]
                                         for r in train_rows]).mean() for smooth in (0.0, 0.1, 0.3, 1.0)}
        print("depth smoothing on S1 S5 S6 S7 S8 (GT 2D, first frames): " +
              ", ".join(f"{k:g} s: MRPE {1000 * v:.1f} mm" for k, v in sweep.items()))
        sizes = {(rule, true): np.concatenate([root_errors(_one_size(r, calibration, true) if rule == "clip" else
                                                           camera_trajectory(r["poses"], r["pixels"], r["intrinsics"], calibration,
                                                                             height=stature(r["gt"]) if true else None),
                                                           r["root"])["mrpe"] for r in train_rows]).mean()
                 for rule in ("clip", "frame") for true in (False, True)}
        print("body size on S1 S5 S6 S7 S8 (GT 2D, first frames), one scale per clip (the rule before) / each frame brought to "
              f"one stature (shipped): the model's size {1000 * sizes['clip', False]:.1f} / {1000 * sizes['frame', False]:.1f} mm, "
              f"true stature {1000 * sizes['clip', True]:.1f} / {1000 * sizes['frame', True]:.1f} mm")
    train = load_split("h36m", args.data_3d, args.gt_2d, TRAIN, "test", None, require_3d=True).sequences
    body_size = float(np.mean([np.median(bone_length_sum(s.positions_3d, H36M_17)) for s in train]))
    print(f"{platform.processor() or platform.machine()}, torch {torch.__version__}; model: {weights}; "
          f"frames per test sequence: {args.max_frames or 'all'}; training subjects' mean summed bone length {body_size:.3f} m")
    for name, path in (("GT 2D", args.gt_2d), ("SH detections", args.sh_2d)):
        if path is None:
            continue
        rows = lifted(model, args.data_3d, path, TEST, args.max_frames)
        print(f"\n{name}, S9 + S11 (58 of the 59 test sequences), {sum(len(r['root']) for r in rows)} frames, every camera:\n")
        report(rows, methods(calibration, fitted, body_size))
        print("\nfeet (frame-weighted over sequences):\n")
        feet_report(rows, calibration)
        if args.fov_error:
            print(f"\nthe field of view given wrong by ±{args.fov_error:g} degrees (the model's calibration):\n")
            report([dict(r, intrinsics=_fov_off(r, sign * args.fov_error)) for r in rows for sign in (-1, 1)],
                   {"model": methods(calibration, None, body_size)[next(iter(methods(calibration, None, body_size)))]})
    print(f"\n{time.perf_counter() - t0:.0f} s")


def _one_size(row: dict, calibration: Calibration, true_height: bool) -> np.ndarray:
    """The root's path with one body scale for the whole clip (the rule before per-frame sizes): the model's
    calibrated size, or the true stature over the lifted poses' median stature."""
    poses = row["poses"] * (stature(row["gt"]) / stature(row["poses"]) if true_height else calibration.depth_scale)
    rays = row["intrinsics"].rays(row["pixels"])
    depth = gaussian_filter1d(solve_root(poses, rays)[:, 2], calibration.smooth_s * 50.0, mode="nearest")
    return solve_root(poses, rays, depth=np.maximum(depth, 0.1))


def _fov_off(row: dict, degrees: float) -> Intrinsics:
    """The row's intrinsics with the horizontal field of view ``degrees`` wider (negative: narrower)."""
    width = 2 * row["intrinsics"].center[0]
    fov = 2 * np.degrees(np.arctan(width / (2 * row["intrinsics"].focal[0])))
    wrong = Intrinsics.from_fov(fov + degrees, int(width), int(2 * row["intrinsics"].center[1]))
    return Intrinsics(wrong.focal, row["intrinsics"].center, wrong.source)


if __name__ == "__main__":
    main()
