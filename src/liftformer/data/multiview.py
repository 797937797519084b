"""Calibrated multi-camera datasets (Human3.6M, HumanEva-I): world 3D + per-camera 2D → sequences."""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence as Seq
from importlib import resources

import numpy as np

from liftformer.data.camera import Camera, normalize_screen_coordinates
from liftformer.data.formats import Positions2D, Positions3D, trim_to_3d
from liftformer.data.sequences import Sequence
from liftformer.errors import DataError


def load_packaged_cameras(name: str) -> dict[str, list[Camera]]:
    """The calibration shipped in ``liftformer/data/cameras/<name>.json``, centres in metres."""
    raw = json.loads(resources.files("liftformer.data").joinpath("cameras").joinpath(f"{name}.json").read_text())
    scale = {"mm": 1e-3, "m": 1.0}[raw["unit"]]

    def vec(v, n):
        return np.zeros(n) if v is None else np.asarray(v, dtype=np.float64)

    return {
        subject: [
            Camera(
                R=np.asarray(c["R"], dtype=np.float64),
                T=np.asarray(c["T"], dtype=np.float64) * scale,
                focal=vec(c["f"], 2), center=vec(c["c"], 2), radial=vec(c["k"], 3), tangential=vec(c["p"], 2),
                width=int(c["width"]), height=int(c["height"]), name=str(c["id"]),
            )
            for c in cams
        ]
        for subject, cams in raw["subjects"].items()
    }


def action_matches(action: str, actions: Seq[str] | None) -> bool:
    """VideoPose3D's action filter: keep ``action`` if it starts with any of ``actions``."""
    return actions is None or any(action.startswith(a) for a in actions)


def camera_sequences(
    positions_3d: Positions3D,
    positions_2d: Positions2D,
    cameras: dict[str, list[Camera]],
    subjects: Seq[str],
    actions: Seq[str] | None,
    fps: float,
    path_3d: str,
    path_2d: str,
    camera_key=lambda subject: subject,
    world_up: tuple[float, float, float] = (0.0, 0.0, 1.0),
) -> list[Sequence]:
    """One :class:`Sequence` per (subject, action, camera) of the 3D file.

    3D: world → camera coordinates (metres), root-relative; the root's camera coordinates and
    ``world_up`` in camera axes are kept with it (``trajectory``, ``up``). 2D: cut to the 3D length (detections
    may run longer), normalised by the camera's resolution. Sequences the 2D file lacks are
    skipped with one warning listing them.
    """
    missing_subjects = [s for s in subjects if s not in positions_3d]
    if missing_subjects:
        raise DataError(f"{path_3d}: no subject {', '.join(missing_subjects)} (has {', '.join(positions_3d)})")
    out, skipped = [], []
    for subject in subjects:
        cams = cameras.get(camera_key(subject))
        if cams is None:
            raise DataError(f"{path_3d}: no camera calibration for subject {subject}")
        for action, world in positions_3d[subject].items():
            if not action_matches(action, actions):
                continue
            views = positions_2d.get(subject, {}).get(action)
            if views is None:
                skipped.append(f"{subject}/{action}")
                continue
            if len(views) > len(cams):
                raise DataError(f"{path_2d}: {subject}/{action}: {len(views)} cameras, calibration has {len(cams)}")
            for index, (cam, kp) in enumerate(zip(cams, views)):
                kp = trim_to_3d(kp, len(world), path_2d, f"{subject}/{action} camera {index}")
                pos = cam.world_to_camera(world.astype(np.float64))
                root = pos[:, 0].copy()
                pos -= pos[:, :1]
                keypoints = normalize_screen_coordinates(kp, cam.width, cam.height)
                out.append(Sequence(subject, action, index, keypoints.astype(np.float32), pos.astype(np.float32), fps,
                                    trajectory=root.astype(np.float32), up=cam.R @ np.asarray(world_up)))
    if skipped:
        warnings.warn(f"{path_2d}: no 2D for {len(skipped)} sequences of the 3D file, skipped: {', '.join(skipped)}", stacklevel=2)
    return out
