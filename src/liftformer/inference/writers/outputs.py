"""Write lifted poses: npz (always), JSON and CSV on request; every file written atomically.

Each frame keeps the index of the input frame it belongs to (``frames``; default 0, 1, 2, …).
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np

from liftformer.data.skeleton import H36M_17
from liftformer.errors import DataError
from liftformer.fileio import atomic_write, check_not_folder


def rounded(values: np.ndarray, decimals: int) -> list:
    """Nested lists of ``values`` rounded in float64, so float32 data prints as 0.0005, not 0.0005000000237."""
    return np.round(np.asarray(values, dtype=np.float64), decimals).tolist()


def _frame_indices(frames: np.ndarray | None, count: int) -> np.ndarray:
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
) -> None:
    """``poses_3d`` (T, 17, 3) root-relative metres, ``keypoints_2d`` (T, 17, 2) pixels, ``interpolated``
    (T, 17) joints not detected in their frame, ``frames`` (T,) input frame indices, skeleton."""
    frames = _frame_indices(frames, len(poses_3d))

    def write(tmp: str) -> None:
        with open(tmp, "wb") as f:
            np.savez_compressed(
                f, poses_3d=poses_3d.astype(np.float32), keypoints_2d=pixels_2d.astype(np.float32),
                interpolated=np.asarray(filled, bool), frames=frames, fps=np.float32(fps),
                joint_names=np.array(H36M_17.joint_names), parents=np.array(H36M_17.parents),
            )

    atomic_write(path, write)


def save_json(
    path: str | os.PathLike, poses_3d: np.ndarray, pixels_2d: np.ndarray, fps: float, frames: np.ndarray | None = None
) -> None:
    """The poses (5 decimals) and 2D keypoints (2 decimals) of every frame, with its input frame index."""
    frames = _frame_indices(frames, len(poses_3d))
    doc = {
        "skeleton": {"joints": list(H36M_17.joint_names), "parents": list(H36M_17.parents)},
        "units": "metres, camera axes (x right, y down, z forward), root-relative",
        "fps": float(fps),
        "frames": [
            {"frame": int(t), "pose_3d": rounded(p, 5), "keypoints_2d": rounded(k, 2)}
            for t, p, k in zip(frames, poses_3d, pixels_2d)
        ],
    }

    def write(tmp: str) -> None:
        with open(tmp, "w") as f:
            json.dump(doc, f)

    atomic_write(path, write)


def save_csv(path: str | os.PathLike, poses_3d: np.ndarray, frames: np.ndarray | None = None) -> None:
    """One row per frame: input frame index, then x, y, z of each joint (metres)."""
    header = ["frame"] + [f"{name}_{axis}" for name in H36M_17.joint_names for axis in "xyz"]
    frames = _frame_indices(frames, len(poses_3d))

    def write(tmp: str) -> None:
        with open(tmp, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(header)
            for t, pose in zip(frames, poses_3d):
                w.writerow([int(t), *(f"{v:.5f}" for v in pose.reshape(-1))])

    atomic_write(path, write)


def with_person(path: Path, person: int) -> Path:
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
