"""An upright world frame for a clip, its floor fitted to the feet: y up, the floor at y = 0.

A tilted camera sees a tilted floor; a person's camera-space path alone does not say which way is up.
Two witnesses do: the body (from the feet to the neck, people stand mostly upright) and, when the
person travels, the feet themselves, which touch one plane. The up direction is the normal of the
plane through each frame's lower ankle when those points spread (standard deviation ``MIN_SPREAD``) in
two directions; when they follow a line (walking straight), the body's median axis made perpendicular
to that line; when they stay put, the body's median axis. A plane or line that would tilt the body's
axis by more than ``MAX_TILT`` degrees is not trusted. The floor lies ``ANKLE_HEIGHT`` × stature below
the lower ankles' median height; the world's origin is the floor point under the first frame's root,
its z axis points back at the camera (BVH's usual forward for a person facing it), x completes a
right-handed frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from liftformer.inference.lifting.trajectory import ANKLE_HEIGHT, stature

MIN_SPREAD = 0.15  # metres: the ankle points' standard deviation in two directions needed to define a plane
MAX_TILT = 25.0  # degrees: the most the feet's plane may differ from the body's axis
ANKLES, NECK = (3, 6), 8  # H36M-17


@dataclass(frozen=True)
class Ground:
    """``world = rotation @ (camera - origin)``: rotation (3, 3) rows are the world's x, y (up), z in camera axes."""

    rotation: np.ndarray
    origin: np.ndarray  # (3,) camera-space point on the floor under the first root
    from_feet: bool  # whether the feet's plane (rather than the body's axis) gave the up direction

    def to_world(self, points: np.ndarray) -> np.ndarray:
        """Camera-space points (..., 3) → world (x right, y up, z back at the camera), metres."""
        return (np.asarray(points, dtype=np.float64) - self.origin) @ self.rotation.T

    def directions_to_world(self, vectors: np.ndarray) -> np.ndarray:
        """Camera-space offsets (..., 3), e.g. root-relative poses, in world axes."""
        return np.asarray(vectors, dtype=np.float64) @ self.rotation.T


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-12)


def fit_ground(poses: np.ndarray) -> Ground:
    """The :class:`Ground` of a clip of camera-space poses (T, 17, 3): root-relative poses plus the root path."""
    poses = np.asarray(poses, dtype=np.float64)
    poses = poses[np.isfinite(poses).all(axis=(1, 2))]
    if not len(poses):
        raise ValueError("fit_ground: no frame with every joint")
    feet = poses[:, list(ANKLES)].mean(1)
    body_up = _unit(np.median(_unit_rows(poses[:, NECK] - feet), axis=0))
    lower = poses[np.arange(len(poses)), np.array(ANKLES)[np.argmin(poses[:, list(ANKLES)] @ body_up, axis=1)]]  # (T, 3)
    up, from_feet = body_up, False
    _, spread, axes = np.linalg.svd(lower - lower.mean(0), full_matrices=False)
    spread = spread / np.sqrt(len(lower))  # standard deviations along the principal axes
    if len(lower) >= 3 and spread[0] >= MIN_SPREAD:
        if spread[1] >= MIN_SPREAD:  # the feet cover an area: its plane
            candidate = axes[2] * np.sign(axes[2] @ body_up)
        else:  # the feet follow a line (walking straight): level it, the body's axis otherwise
            candidate = _unit(body_up - (body_up @ axes[0]) * axes[0])
        if np.degrees(np.arccos(np.clip(candidate @ body_up, -1.0, 1.0))) <= MAX_TILT:
            up, from_feet = candidate, True
    floor = np.median(lower @ up) - ANKLE_HEIGHT * stature(poses - poses[:, :1])
    origin = poses[0, 0] - (poses[0, 0] @ up - floor) * up
    return Ground(upright(up), origin, from_feet)


def upright(up: np.ndarray) -> np.ndarray:
    """The (3, 3) rotation into the world frame whose y is ``up`` (a camera-space unit vector): its rows the world's x,
    y and z (towards the camera, level) in camera axes."""
    back = _unit(-np.array([0.0, 0.0, 1.0]) - (-np.array([0.0, 0.0, 1.0]) @ up) * up)  # towards the camera, on the floor
    return np.stack([np.cross(up, back), up, back])


class RunningUp:
    """A stream's upright frame from the frames so far: the mean of their ankles-to-neck directions as up (what
    :func:`fit_ground` falls back on when the feet do not span the floor; a stream cannot wait for them to)."""

    def __init__(self) -> None:
        self._sum = np.zeros(3)

    def push(self, pose: np.ndarray) -> np.ndarray | None:
        """One (17, 3) camera-space pose in; the rotation into the upright frame so far (None before any whole body)."""
        axis = np.asarray(pose, dtype=np.float64)[NECK] - np.asarray(pose, dtype=np.float64)[list(ANKLES)].mean(0)
        length = float(np.linalg.norm(axis))
        if np.isfinite(axis).all() and length > 0:
            self._sum += axis / length
        return upright(_unit(self._sum)) if self._sum.any() else None


def _unit_rows(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)
