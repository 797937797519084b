"""OpenSim's marker file, ``.trc``: a marker at each lifted joint, metres, in the upright world frame.

The layout is the one OpenSim's ``TRCFileAdapter`` reads and Pose2Sim writes: a tab-separated header (path type,
rates, frame and marker counts, units), a row of marker names, a row of ``X1 Y1 Z1 …``, then a row per frame (frame
number, time in seconds, x y z of each marker). Coordinates are the floor-fitted world frame's (y up, the floor at
y = 0, x right as the camera sees it, z back at the camera), the root's path included; without a trajectory
(``--no-trajectory``), root-relative with the camera taken as upright.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from liftformer.errors import LiftformerError
from liftformer.fileio import atomic_write_text

MARKERS = ("Hip", "RHip", "RKnee", "RAnkle", "LHip", "LKnee", "LAnkle", "Spine", "Neck", "Nose", "Head",
           "LShoulder", "LElbow", "LWrist", "RShoulder", "RElbow", "RWrist")  # Human3.6M-17, Pose2Sim's names


def check_trc_path(path: str | os.PathLike) -> None:
    """One-line error unless ``path`` ends in .trc (before any work)."""
    if Path(path).suffix.lower() != ".trc":
        raise LiftformerError(f"--trc {path}: an OpenSim marker file must end in .trc: give e.g. {Path(path).with_suffix('.trc')}")


def trc_text(world: np.ndarray, frames: np.ndarray, fps: float, name: str) -> str:
    """The ``.trc`` text of (T, 17, 3) world-frame joints at input ``frames`` (T,), ``fps`` frames a second."""
    world = np.asarray(world, dtype=np.float64)
    if not np.isfinite(world).all():
        raise LiftformerError(f"{name}: a marker is not finite: nothing written")
    count = len(world)
    lines = [
        f"PathFileType\t4\t(X/Y/Z)\t{name}",
        "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame\tOrigNumFrames",
        f"{fps:.6g}\t{fps:.6g}\t{count}\t{len(MARKERS)}\tm\t{fps:.6g}\t{int(frames[0]) + 1}\t{count}",
        "Frame#\tTime\t" + "\t\t\t".join(MARKERS) + "\t\t",
        "\t\t" + "\t".join(f"X{i}\tY{i}\tZ{i}" for i in range(1, len(MARKERS) + 1)),
    ]
    for row, (t, pose) in enumerate(zip(frames, world), start=1):
        lines.append(f"{row}\t{t / fps:.6f}\t" + "\t".join(f"{v:.6f}" for v in pose.reshape(-1)))
    return "\n".join(lines) + "\n"


def save_trc(path: str | os.PathLike, world: np.ndarray, frames: np.ndarray, fps: float) -> None:
    """Write :func:`trc_text` to ``path`` atomically."""
    atomic_write_text(path, trc_text(world, frames, fps, Path(path).name))
