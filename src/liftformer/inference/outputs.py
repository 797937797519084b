"""Write lifted poses: npz (always), JSON and CSV on request; every file written atomically."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np

from liftformer.data.skeleton import H36M_17
from liftformer.fileio import atomic_write


def save_npz(path: str | os.PathLike, poses_3d: np.ndarray, pixels_2d: np.ndarray, filled: np.ndarray, fps: float) -> None:
    """``poses_3d`` (T, 17, 3) root-relative metres, ``keypoints_2d`` (T, 17, 2) pixels, skeleton."""

    def write(tmp: str) -> None:
        with open(tmp, "wb") as f:
            np.savez_compressed(
                f, poses_3d=poses_3d.astype(np.float32), keypoints_2d=pixels_2d.astype(np.float32),
                interpolated=filled, fps=np.float32(fps), joint_names=np.array(H36M_17.joint_names),
                parents=np.array(H36M_17.parents),
            )

    atomic_write(path, write)


def save_json(path: str | os.PathLike, poses_3d: np.ndarray, pixels_2d: np.ndarray, fps: float) -> None:
    doc = {
        "skeleton": {"joints": list(H36M_17.joint_names), "parents": list(H36M_17.parents)},
        "units": "metres, camera axes (x right, y down, z forward), root-relative",
        "fps": fps,
        "frames": [
            {"frame": t, "pose_3d": np.round(p, 5).tolist(), "keypoints_2d": np.round(k, 2).tolist()}
            for t, (p, k) in enumerate(zip(poses_3d, pixels_2d))
        ],
    }

    def write(tmp: str) -> None:
        with open(tmp, "w") as f:
            json.dump(doc, f)

    atomic_write(path, write)


def save_csv(path: str | os.PathLike, poses_3d: np.ndarray) -> None:
    """One row per frame: frame, then x, y, z of each joint (metres)."""
    header = ["frame"] + [f"{name}_{axis}" for name in H36M_17.joint_names for axis in "xyz"]

    def write(tmp: str) -> None:
        with open(tmp, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(header)
            for t, pose in enumerate(poses_3d):
                w.writerow([t, *(f"{v:.5f}" for v in pose.reshape(-1))])

    atomic_write(path, write)


def output_paths(out: str, json_out: bool, csv_out: bool) -> dict[str, Path]:
    """The npz path and its JSON/CSV siblings (same stem)."""
    base = Path(out)
    paths = {"npz": base if base.suffix == ".npz" else base.with_suffix(".npz")}
    if json_out:
        paths["json"] = paths["npz"].with_suffix(".json")
    if csv_out:
        paths["csv"] = paths["npz"].with_suffix(".csv")
    return paths
