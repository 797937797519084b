#!/usr/bin/env python3
"""A yardstick for joint angles: each camera's lifted angles against the same angles of the 4-view triangulation.

On a Pose2Sim clip (default Demo_MultiPerson; see real_yardstick.py for where to get it and for the reference:
every person's detections triangulated from all four calibrated cameras), each camera is lifted on its own by the
package's offline pipeline (the default detector, tracking, the body checks, hygiene, the shipped model, the floor-
fitted world frame) and its angles (:mod:`liftformer.inference.lifting.angles`) are compared, frame by frame, with
the same angles of the triangulated person it is paired with (the reference's up: the calibration's z axis, as
Qualisys and Pose2Sim set it). The reference's pelvis and hips are where detectors mark them; the lifted poses' are Human3.6M's joint
centres, so the lifted hips are first moved where detectors mark them (``--hips-offset``, fitted on Human3.6M's
training subjects by ``real_yardstick.py --hips-from``: 0.052 of the torso lower, 0.74 of the width; ``0 1``: as
lifted). Beside each 3D figure, the 2D baseline: the same angle measured in the image plane from the 2D the lift
used, as Sports2D measures it (the knee and the elbow from their three points, the hip between the trunk and the
thigh, the trunk's tilt from the image's vertical), which is right only for a limb moving in a plane facing the
camera. RMSE and bias (lifted minus reference) in degrees, per angle, camera and person: the main table for the
angles the targets name, then every angle of :data:`~liftformer.inference.lifting.angles.ANGLES` (hip abduction and
rotation, the shoulders, the headings, Sports2D's segments). Each row says how the camera sees the person: the angle
between its line of sight and the reference's mediolateral axis (hips and shoulders), median over the frames, 0 for a
pure side view (the body's sagittal plane faces the camera, where the 2D baseline is at its best), 90 for front or
back; a camera "faces the sagittal plane" under ``SIDE_VIEW`` degrees. The closing lines count where the 3D beats the
2D on the cameras that do not.

``--rays`` tries a variant: every lifted joint moved onto its 2D detection's ray at its lifted depth (the
image-plane geometry made exact, the depth the lifter's), the hips then left where the detector marks them.

    python benchmarks/angle_yardstick.py [--demo DIR] [--detector fused] [--hips-offset 0.052 0.74] [--rays]
"""

from __future__ import annotations

import argparse
import io
import platform
import sys
from contextlib import redirect_stderr
from pathlib import Path

import numpy as np

from liftformer.evaluation.definitions import HipOffset, to_detector_hips
from liftformer.inference.lifting.angles import ANGLES, UNWRAPPED, body_angles
from liftformer.inference.lifting.ground import upright
from liftformer.inference.lifting.pretrained import load_model, load_trajectory
from liftformer.inference.offline import lift_person
from liftformer.inference.options import LiftOptions
from liftformer.inference.sources.read import DETECTORS
from liftformer.inference.tracks.tracking import select_people
from liftformer.inference.writers.angles import world_poses

sys.path.insert(0, str(Path(__file__).parent))
from real_yardstick import assign, clip_reference  # noqa: E402

COMPARED = ("knee_flexion_right", "knee_flexion_left", "hip_flexion_right", "hip_flexion_left", "elbow_flexion_right",
            "elbow_flexion_left", "trunk_flexion", "trunk_lateral_lean", "trunk_tilt")
EVERY = (*ANGLES, "trunk_tilt")
IN_2D = {"knee": (1, 2, 3), "hip": (8, 1, 2), "elbow": (14, 15, 16)}  # right side, H36M-17; the left mirrors it
LEFT = {1: 4, 2: 5, 3: 6, 14: 11, 15: 12, 16: 13, 8: 8}
SIDE_VIEW = 30.0  # degrees between the line of sight and the mediolateral axis under which the camera sees the body's side




def angles_with_tilt(world: np.ndarray) -> dict[str, np.ndarray]:
    """body_angles plus ``trunk_tilt``: the pelvis-to-thorax line's angle from the vertical, unsigned."""
    out = body_angles(world)
    torso = world[:, 8] - world[:, 0]
    out["trunk_tilt"] = np.degrees(np.arccos(np.clip(torso[:, 1] / np.linalg.norm(torso, axis=-1), -1, 1)))
    return out


def image_angles(pixels: np.ndarray) -> dict[str, np.ndarray]:
    """The 2D baseline's angles of (T, 17, 2) pixels: flexion as 180 minus the three points' angle, the trunk's tilt."""
    def flexion(a: int, b: int, c: int) -> np.ndarray:
        u, v = pixels[:, a] - pixels[:, b], pixels[:, c] - pixels[:, b]
        cos = np.sum(u * v, -1) / (np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1))
        return 180.0 - np.degrees(np.arccos(np.clip(cos, -1, 1)))

    out = {}
    for name, (a, b, c) in IN_2D.items():
        out[f"{name}_flexion_right"] = flexion(a, b, c)
        out[f"{name}_flexion_left"] = flexion(LEFT[a], LEFT[b], LEFT[c])
    for side, (hip, shoulder, elbow) in (("right", (1, 14, 15)), ("left", (4, 11, 12))):  # Sports2D's: trunk to arm
        out[f"shoulder_flexion_{side}"] = 180.0 - flexion(hip, shoulder, elbow)
    torso = pixels[:, 8] - pixels[:, 0]
    out["trunk_tilt"] = np.degrees(np.arccos(np.clip(-torso[:, 1] / np.linalg.norm(torso, axis=-1), -1, 1)))
    return out


def on_rays(clip) -> np.ndarray:
    """A lifted clip's world poses with every joint moved onto its 2D's camera ray at its lifted depth."""
    place = clip.placement
    camera = place.camera_poses(clip.poses)
    pixels = np.asarray(clip.pixels, dtype=np.float64)
    for axis in (0, 1):
        camera[..., axis] = (pixels[..., axis] - place.center[axis]) / place.focal[axis] * camera[..., 2]
    return (camera - place.origin) @ place.rotation.T


def side_view(cam, reference: np.ndarray) -> float:
    """Median degrees between ``cam``'s line of sight to a person and their mediolateral axis (right hip and shoulder
    minus left), over the frames of ``reference`` (T, 17, 3) in the calibration's frame: 0 a side view, 90 front or back."""
    across = (reference[:, 1] - reference[:, 4]) + (reference[:, 14] - reference[:, 11])
    sight = reference[:, 0] - np.asarray(cam.T, dtype=np.float64)
    cos = np.abs(np.sum(across * sight, -1)) / (np.linalg.norm(across, axis=-1) * np.linalg.norm(sight, axis=-1))
    return float(np.degrees(np.arccos(np.clip(np.nanmedian(cos), 0.0, 1.0))))


def camera_rows(cam, view, truth: np.ndarray, people: list[int], model, calibration, hips: HipOffset,
                rays: bool = False) -> list[tuple]:
    """Per person: (name, {angle: (RMSE and bias for the lift, the same for the 2D or None)}, frames, side view)."""
    options = LiftOptions(focal=float(cam.focal[0]))
    with redirect_stderr(io.StringIO()):
        selection = select_people(view, "all", 1, min_score=options.min_score)
        tracks, clips = [], []
        for pid, kp in selection.people:
            clip = lift_person(kp, options, model, io.StringIO(), calibration)
            frames = np.arange(len(clip.poses)) if clip.frames is None else np.asarray(clip.frames)
            tracks.append((pid or 1, frames, clip.poses, clip.pixels, None, None))
            clips.append(clip)
    owner = assign(cam, truth, tracks, people)
    if rays:  # the hips on the detector's rays are the detector's hips already
        lifted = [angles_with_tilt(on_rays(c)) for c in clips]
    else:
        lifted = [angles_with_tilt(to_detector_hips(world_poses(c.poses, c.placement), hips)) for c in clips]
    flat = [image_angles(np.asarray(c.pixels, dtype=np.float64)) for c in clips]
    rows = []
    for person in people:
        pairs = sorted((int(tracks[k][1][row]), k, row) for (k, row), i in owner.items() if i == person)
        if not pairs:
            continue
        reference_poses = np.stack([truth[t, person] for t, _, _ in pairs])
        reference = angles_with_tilt(level_world(cam, reference_poses))
        stats = {}
        for name in EVERY:
            mine = np.array([lifted[k][name][row] for _, k, row in pairs])
            flat_name = name if name in flat[0] else None
            seen = np.array([flat[k][flat_name][row] for _, k, row in pairs]) if flat_name else None
            wrap = name.removesuffix("_right").removesuffix("_left") in UNWRAPPED  # each side unwrapped on its own
            stats[name] = (_rmse_bias(mine, reference[name], wrap),
                           None if seen is None else _rmse_bias(seen, reference[name], wrap))
        rows.append((f"person {person + 1}", stats, len(pairs), side_view(cam, reference_poses)))
    return rows


def level_world(cam, points: np.ndarray) -> np.ndarray:
    """Calibration-frame points (z up) in the world frame the lift of ``cam``'s view uses (y up, z level towards the
    camera: :func:`~liftformer.inference.lifting.ground.upright`), so that headings compare."""
    seen = cam.world_to_camera(points)
    return seen @ upright(np.asarray(cam.R, dtype=np.float64) @ np.array([0.0, 0.0, 1.0])).T


def _rmse_bias(values: np.ndarray, reference: np.ndarray, wrap: bool = False) -> tuple[float, float]:
    d = values - reference
    if wrap:  # unwrapped angles: a whole turn apart is the same angle
        d = (d + 180.0) % 360.0 - 180.0
    d = d[np.isfinite(d)]
    return (float(np.sqrt(np.mean(d**2))), float(np.mean(d))) if len(d) else (float("nan"), float("nan"))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--demo", default=".cache/pose2sim/Pose2Sim/Demo_MultiPerson")
    p.add_argument("--cache", default=".cache/yardstick")
    p.add_argument("--detector", choices=tuple(DETECTORS), default=LiftOptions.detector)
    p.add_argument("--hips-offset", nargs=2, type=float, default=(0.052, 0.74), metavar=("DOWN", "WIDTH"))
    p.add_argument("--checkpoint", default=None)
    p.add_argument("--rays", action="store_true", help="every lifted joint moved onto its 2D's ray at its lifted depth")
    args = p.parse_args()
    if not Path(args.demo, "videos").is_dir():
        print(f"skipped: no Pose2Sim clip in {args.demo} (see real_yardstick.py's docstring)")
        return
    clip, cams, views, truth, people = clip_reference(Path(args.demo), Path(args.cache), args.detector)
    model, calibration = load_model(args.checkpoint), load_trajectory(args.checkpoint)
    hips = HipOffset(*args.hips_offset)
    how = "every joint on its 2D's ray" if args.rays else f"hips moved {hips.down:g} down, {hips.width:g} wide"
    print(f"{platform.processor() or platform.machine()}; {clip.name}, detector {args.detector}, {how}; RMSE / bias (lifted - "
          "reference), degrees; the 2D baseline in brackets\n")
    rows = [(cam.name, *row) for cam, view in zip(cams, views)
            for row in camera_rows(cam, view, truth, people, model, calibration, hips, args.rays)]
    print("| camera | person | frames | side view | " + " | ".join(COMPARED) + " |\n|" + " --- |" * (4 + len(COMPARED)))
    for cam, person, stats, frames, side in rows:
        cells = [_cell(stats[name]) for name in COMPARED]
        print(f"| {cam} | {person} | {frames} | {side:.0f}° | " + " | ".join(cells) + " |")
    print("| **mean RMSE** | | | | " + " | ".join(_mean(rows, name) for name in COMPARED) + " |")
    print("\nEvery angle (rows), per camera and person (columns: camera, person, side view):\n")
    print("| angle | " + " | ".join(f"{cam} p{person.split()[-1]} ({side:.0f}°)" for cam, person, _, _, side in rows)
          + " | mean RMSE |\n|" + " --- |" * (2 + len(rows)))
    for name in EVERY:
        print(f"| {name} | " + " | ".join(_cell(stats[name]) for _, _, stats, _, _ in rows) + f" | {_mean(rows, name)} |")
    oblique = [r for r in rows if r[4] >= SIDE_VIEW]
    cells = [(r[2][name][0][0], r[2][name][1][0]) for r in oblique for name in EVERY if r[2][name][1] is not None]
    won = sum(mine < flat for mine, flat in cells if np.isfinite(mine) and np.isfinite(flat))
    print(f"\n{len(oblique)} of {len(rows)} camera-person rows see the body at {SIDE_VIEW:g}° or more from its side; there "
          f"the 3D beats the 2D baseline in {won} of {len(cells)} cells (angles the 2D has)")
    losses = [f"{r[0]} {r[1]} {name}" for r in oblique for name in EVERY
              if r[2][name][1] is not None and r[2][name][1][0] <= r[2][name][0][0]]
    print("the 2D wins or ties: " + ("; ".join(losses) if losses else "nowhere"))


def _cell(stat: tuple) -> str:
    (rmse, bias), flat = stat
    return f"{rmse:.1f} / {bias:+.1f}" + ("" if flat is None else f" ({flat[0]:.1f} / {flat[1]:+.1f})")


def _mean(rows: list[tuple], name: str) -> str:
    mine = np.nanmean([r[2][name][0][0] for r in rows])
    flats = [r[2][name][1][0] for r in rows if r[2][name][1] is not None]
    return f"**{mine:.1f}**" + (f" ({np.nanmean(flats):.1f})" if flats else "")


if __name__ == "__main__":
    main()
