"""Write a lifted person's joint and segment angles (computed by :mod:`~liftformer.inference.lifting.angles` from
:func:`world_poses`): a CSV, a row per frame and a column per angle, and a plot of the main curves over time with
the feet's contact phases shaded."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np

from liftformer.errors import LiftformerError
from liftformer.fileio import atomic_write
from liftformer.inference.writers.bvh import CAMERA_UPRIGHT
from liftformer.inference.writers.outputs import Placement

MIN_SPAN = 30.0  # degrees: the least range a plot's axis shows
PLOTTED = (("knee flexion", ("knee_flexion_right", "knee_flexion_left")), ("hip flexion", ("hip_flexion_right", "hip_flexion_left")),
           ("elbow flexion", ("elbow_flexion_right", "elbow_flexion_left")),
           ("trunk", ("trunk_flexion", "trunk_lateral_lean")))


def world_poses(poses: np.ndarray, placement: Placement | None) -> np.ndarray:
    """(T, 17, 3) poses in the floor-fitted world frame (y up) where the person was placed, else the root-relative
    poses with the camera taken as upright (its image's vertical the world's)."""
    if placement is None:
        return np.asarray(poses, dtype=np.float64) @ CAMERA_UPRIGHT.T
    return (placement.camera_poses(poses) - placement.origin) @ placement.rotation.T


def check_angle_paths(csv_path: str | os.PathLike | None, plot_path: str | os.PathLike | None) -> None:
    """One-line error unless ``--angles`` ends in .csv and ``--angles-plot`` in .png (before any work)."""
    for flag, path, suffix in (("--angles", csv_path, ".csv"), ("--angles-plot", plot_path, ".png")):
        if path is not None and Path(path).suffix.lower() != suffix:
            raise LiftformerError(f"{flag} {path}: must end in {suffix}: give e.g. {Path(path).with_suffix(suffix)}")


def save_angles_csv(path: str | os.PathLike, angles: dict[str, np.ndarray], frames: np.ndarray, filled: np.ndarray,
                    fps: float, joints: tuple[str, ...]) -> None:
    """A row per frame: input frame, time (s), whether any joint of it was interpolated (not detected) and which
    (``joints``' names joined by ``;``, or ``all``: the whole pose, e.g. a frame the 3D check replaced), then each angle
    in degrees (2 decimals; empty where undefined). ``filled``: (T, J) bool."""
    filled = np.asarray(filled, dtype=bool)

    def which(row: np.ndarray) -> str:
        return "all" if row.all() else ";".join(name for name, f in zip(joints, row) if f)

    def write(tmp: str) -> None:
        with open(tmp, "w", newline="") as f:
            out = csv.writer(f)
            out.writerow(["frame", "time_s", "interpolated", "interpolated_joints", *angles])
            table = np.stack(list(angles.values()), -1)
            for t, row, joints_filled in zip(frames, table, filled):
                out.writerow([int(t), f"{t / fps:.4f}", int(joints_filled.any()), which(joints_filled),
                              *("" if not np.isfinite(v) else f"{v:.2f}" for v in row)])

    atomic_write(path, write)


def plot_angles(path: str | os.PathLike, angles: dict[str, np.ndarray], frames: np.ndarray, fps: float,
                contacts: np.ndarray | None, title: str, guessed: np.ndarray | None = None) -> None:
    """Knee, hip and elbow flexion (right and left) and the trunk's lean over time, one panel each, the frames a foot
    is on the floor shaded (right and left in their side's colour), the frames whose whole pose was interpolated
    (``guessed``: (T,) bool; no person seen, or replaced by the 3D check) hatched grey. A PNG, written atomically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    seconds = np.asarray(frames, dtype=np.float64) / fps
    fig, axes = plt.subplots(len(PLOTTED), 1, figsize=(8, 2.1 * len(PLOTTED)), sharex=True)
    colours = ("tab:red", "tab:blue")
    for ax, (what, names) in zip(axes, PLOTTED):
        for name, colour in zip(names, colours):
            label = name.rsplit("_", 1)[-1] if name.endswith(("_right", "_left")) else name.replace("_", " ")
            ax.plot(seconds, angles[name], color=colour, lw=1.2, label=label)
        if contacts is not None and what != "trunk":
            for foot, colour in zip(range(2), colours):
                for start, end in _runs(np.asarray(contacts)[:, foot]):
                    ax.axvspan(seconds[start], seconds[end - 1], color=colour, alpha=0.08, lw=0)
        if guessed is not None:
            for start, end in _runs(np.asarray(guessed, dtype=bool)):
                ax.axvspan(seconds[start], seconds[end - 1], color="grey", alpha=0.15, hatch="//", lw=0)
        ax.set_ylabel(f"{what} (°)")
        low, high = ax.get_ylim()
        if high - low < MIN_SPAN:  # a still joint's noise is not drawn as motion
            ax.set_ylim((low + high - MIN_SPAN) / 2, (low + high + MIN_SPAN) / 2)
        ax.grid(True, alpha=0.3)
        ax.legend(loc="upper right", fontsize=8, ncol=2)
    axes[-1].set_xlabel("time (s)")
    notes = (["shaded: a foot on the floor (red right, blue left)"] if contacts is not None else []) + \
        (["hatched: the pose interpolated"] if guessed is not None and np.any(guessed) else [])
    axes[0].set_title("\n".join([title, "; ".join(notes)] if notes else [title]), fontsize=9)  # two lines: never cut
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=100))
    plt.close(fig)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))
