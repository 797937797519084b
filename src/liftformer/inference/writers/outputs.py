"""Write lifted poses: npz (always), JSON and CSV on request; every file written atomically.

Each frame keeps the index of the input frame it belongs to (``frames``; default 0, 1, 2, …).
"""

from __future__ import annotations

import csv
import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from liftformer.data.skeleton import H36M_17
from liftformer.errors import DataError
from liftformer.fileio import atomic_write, check_not_folder


@dataclass(frozen=True)
class Placement:
    """Where a lifted person is: the root's camera-space path (T, 3, metres), the body's scale (camera-space poses are
    ``scale × poses + root``), the intrinsics used and how they were chosen, and an upright world frame fitted to the
    clip's floor (``world = rotation @ (camera - origin)``)."""

    root: np.ndarray
    scale: float | np.ndarray  # one for the clip, or (T,) one per frame (a stream's running estimate)
    focal: tuple[float, float]
    center: tuple[float, float]
    camera_note: str
    rotation: np.ndarray
    origin: np.ndarray
    contacts: np.ndarray | None = None  # (T, 2) bool: right and left foot on the floor

    def camera_poses(self, poses: np.ndarray) -> np.ndarray:
        return self.scaled(poses) + self.root[:, None]

    def scaled(self, poses: np.ndarray) -> np.ndarray:
        """Root-relative poses (T, J, 3) at the body's size."""
        return np.reshape(self.scale, (-1, 1, 1)) * np.asarray(poses, dtype=np.float64)


def rounded(values: np.ndarray | tuple | list, decimals: int) -> list:
    """Nested lists of ``values`` rounded in float64, so float32 data prints as 0.0005, not 0.0005000000237."""
    return np.round(np.asarray(values, dtype=np.float64), decimals).tolist()


def write_npz(file: Any, arrays: dict[str, np.ndarray]) -> None:
    """``np.savez_compressed``'s layout (np.load reads it), but every member stamped 1980-01-01: the same poses make the
    same bytes, whenever they are written (numpy stamps the time of writing)."""
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for name, array in arrays.items():
            member = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(member, "w", force_zip64=True) as out:
                np.lib.format.write_array(out, np.asanyarray(array), allow_pickle=False)


def angle_values(angles: dict[str, np.ndarray], t: int) -> dict[str, float | None]:
    """Frame ``t``'s angles for a JSON document: degrees, 2 decimals, None where undefined."""
    return {name: round(float(v[t]), 2) if np.isfinite(v[t]) else None for name, v in angles.items()}


def frame_indices(frames: np.ndarray | None, count: int) -> np.ndarray:
    if frames is None:
        return np.arange(count)
    frames = np.asarray(frames, dtype=np.int64)
    if frames.shape != (count,):
        raise ValueError(f"expected {count} frame indices, got shape {frames.shape}")
    return frames


def save_npz(
    path: str | os.PathLike,
    poses_3d: np.ndarray,
    pixels_2d: np.ndarray,
    filled: np.ndarray,
    fps: float,
    frames: np.ndarray | None = None,
    placement: Placement | None = None,
    angles: dict[str, np.ndarray] | None = None,
) -> None:
    """``poses_3d`` (T, 17, 3) root-relative metres, ``keypoints_2d`` (T, 17, 2) pixels, ``interpolated``
    (T, 17) joints not detected in their frame, ``frames`` (T,) input frame indices, skeleton; with a placement
    also ``root_3d`` (T, 3) and ``poses_3d_camera`` (T, 17, 3), camera space in metres, the intrinsics used
    (``focal_px``, ``principal_point_px``, ``camera``: how they were chosen) and the floor-fitted world frame
    (``world_rotation``, ``world_origin``: world = rotation @ (camera - origin), y up, floor at y = 0) and
    ``foot_contacts`` (T, 2) bool, right and left foot on the floor; with ``angles`` also ``angles`` (T, A), degrees
    (NaN where undefined) and ``angle_names`` (A,)."""
    frames = frame_indices(frames, len(poses_3d))
    extra = {} if placement is None else {
        "root_3d": placement.root.astype(np.float32), "poses_3d_camera": placement.camera_poses(poses_3d).astype(np.float32),
        "focal_px": np.array(placement.focal, np.float32), "principal_point_px": np.array(placement.center, np.float32),
        "camera": np.array(placement.camera_note), "world_rotation": placement.rotation.astype(np.float32),
        "world_origin": placement.origin.astype(np.float32),
        **({} if placement.contacts is None else {"foot_contacts": np.asarray(placement.contacts, bool)}),
    }
    if angles is not None:
        extra |= {"angles": np.stack(list(angles.values()), -1).astype(np.float32), "angle_names": np.array(list(angles))}

    def write(tmp: str) -> None:
        with open(tmp, "wb") as f:
            arrays: dict[str, np.ndarray] = {
                "poses_3d": poses_3d.astype(np.float32), "keypoints_2d": pixels_2d.astype(np.float32),
                "interpolated": np.asarray(filled, bool), "frames": frames, "fps": np.float32(fps),
                "joint_names": np.array(H36M_17.joint_names), "parents": np.array(H36M_17.parents), **extra,
            }
            write_npz(f, arrays)

    atomic_write(path, write)


def save_json(
    path: str | os.PathLike, poses_3d: np.ndarray, pixels_2d: np.ndarray, fps: float, frames: np.ndarray | None = None,
    placement: Placement | None = None, angles: dict[str, np.ndarray] | None = None, filled: np.ndarray | None = None,
) -> None:
    """The poses (5 decimals) and 2D keypoints (2 decimals) of every frame, with its input frame index and, given
    ``filled`` (T, J), the joints interpolated there (``filled``: their indices, as in ``--stream`` lines); with a
    placement also each frame's ``root_3d`` and ``pose_3d_camera`` and the document's ``camera`` and ``world``; with
    ``angles`` each frame's ``angles`` (degrees, 2 decimals; null where undefined)."""
    frames = frame_indices(frames, len(poses_3d))
    rows = [{"frame": int(t), "pose_3d": rounded(p, 5), "keypoints_2d": rounded(k, 2)} for t, p, k in zip(frames, poses_3d, pixels_2d)]
    if filled is not None:
        for row, joints in zip(rows, np.asarray(filled, dtype=bool)):
            row["filled"] = np.flatnonzero(joints).tolist()
    doc: dict = {
        "skeleton": {"joints": list(H36M_17.joint_names), "parents": list(H36M_17.parents)},
        "units": "metres, camera axes (x right, y down, z forward), root-relative",
        "fps": float(fps),
    }
    if placement is not None:
        for t, (row, root, pose) in enumerate(zip(rows, placement.root, placement.camera_poses(poses_3d))):
            row["root_3d"], row["pose_3d_camera"] = rounded(root, 4), rounded(pose, 4)
            if placement.contacts is not None:
                row["foot_contacts"] = {"right": bool(placement.contacts[t, 0]), "left": bool(placement.contacts[t, 1])}
        doc["camera"] = {"focal_px": rounded(placement.focal, 2), "principal_point_px": rounded(placement.center, 2),
                         "chosen": placement.camera_note, "root_3d and pose_3d_camera": "metres, camera axes"}
        doc["world"] = {"rotation": rounded(placement.rotation, 6), "origin": rounded(placement.origin, 4),
                        "meaning": "world = rotation @ (camera - origin): x right, y up, z towards the camera, floor at y = 0"}
    if angles is not None:
        for t, row in enumerate(rows):
            row["angles"] = angle_values(angles, t)
    doc["frames"] = rows

    def write(tmp: str) -> None:
        with open(tmp, "w") as f:
            json.dump(doc, f)

    atomic_write(path, write)


def save_csv(path: str | os.PathLike, poses_3d: np.ndarray, frames: np.ndarray | None = None, root: np.ndarray | None = None) -> None:
    """One row per frame: input frame index, then x, y, z of each joint (metres, root-relative), then the root's
    camera-space x, y, z when a trajectory is known."""
    header = ["frame"] + [f"{name}_{axis}" for name in H36M_17.joint_names for axis in "xyz"]
    header += [f"root_{axis}" for axis in "xyz"] if root is not None else []
    frames = frame_indices(frames, len(poses_3d))
    roots = np.zeros((len(poses_3d), 0)) if root is None else np.asarray(root)

    def write(tmp: str) -> None:
        with open(tmp, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(header)
            for t, pose, r in zip(frames, poses_3d, roots):
                w.writerow([int(t), *(f"{v:.5f}" for v in pose.reshape(-1)), *(f"{v:.4f}" for v in r)])

    atomic_write(path, write)


def with_person(path: Path, person: int | str) -> Path:
    """``path`` with ``_person<ID>`` before its suffix: the output of one of several people."""
    return path.with_name(f"{path.stem}_person{person}{path.suffix}")


def output_paths(out: str | None, json_out: bool, csv_out: bool, input_stem: str = "poses") -> dict[str, Path]:
    """The npz path (``out``, ``.npz`` added to a name without a suffix; default ``INPUT_STEM_3d.npz`` in the current
    directory) and its JSON/CSV siblings (same stem). An existing folder or another suffix is a one-line error: the
    poses would land beside the folder, or the file would not be what its name says."""
    default = f"{input_stem}_3d.npz"
    base = Path(out or default)
    check_not_folder("--out", base, default)
    if base.suffix not in ("", ".npz"):
        raise DataError(f"--out {out}: the poses are written as .npz: name it {base.with_suffix('.npz')} (--json/--csv add siblings)")
    paths = {"npz": base.with_suffix(".npz")}
    if json_out:
        paths["json"] = paths["npz"].with_suffix(".json")
    if csv_out:
        paths["csv"] = paths["npz"].with_suffix(".csv")
    return paths
