"""The root's path in camera space, from the lifted root-relative pose, its 2D and the camera's intrinsics.

A pinhole camera sees joint ``j`` of a body at root position ``t`` where ``(P_j + t)`` meets its ray
``m_j = ((u - cx) / fx, (v - cy) / fy)``: ``P_jx + t_x = m_jx (P_jz + t_z)`` and likewise for y. Given
the lifted pose ``P`` (root-relative, metres, camera axes) these are linear in ``t``: 2J equations, three
unknowns, solved per frame by weighted least squares (detected joints weigh 1, filled ones 0.1). The
depth is then smoothed over time (a Gaussian of ``smooth_s`` seconds; depth changes slowly and its
per-frame estimate is the noisy one; a causal model's twin uses a constant-velocity alpha-beta filter
instead, which follows a steady approach without lag) and x, y re-solved with the smoothed depth, so they
keep following the 2D.

Physics sets a floor: from 2D alone a body ``k`` times larger ``k`` times further away looks the same,
so the depth is as right as the lifted body's size. A person keeps one size while the lifter's estimate of
it varies from frame to frame, so each frame's pose is first brought to one stature (:func:`body_scale`):
the clip's median lifted stature times the model's calibration (``depth_scale``, fitted on the training
subjects by ``benchmarks/trajectory.py`` and stored in its weights file), or a known stature (``height``).
"""

from __future__ import annotations

import json
import math
import os
import sys
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d

from liftformer.data.camera import Camera
from liftformer.errors import CheckpointError, plural
from liftformer.inference.options import DEFAULT_FOV
from liftformer.model.checkpoint import copy_with_metadata, read_metadata

FILLED_WEIGHT = 0.1  # weight of an interpolated joint in the solve
MIN_DEPTH = 0.1  # metres: a root nearer the camera is held here (and said: the camera's focal length is likely wrong)
ANKLE_HEIGHT = 0.039  # the ankle joint's height above the sole, as a fraction of stature (anthropometric mean)
STATURE_CHAIN = ((0, 1, 2, 3), (0, 4, 5, 6), (0, 7, 8, 9, 10))  # H36M-17: right leg, left leg, pelvis → head top
TRAJECTORY_KEY = "liftformer_trajectory"  # the calibration's key in a weights file's header


@dataclass(frozen=True)
class Intrinsics:
    """Pinhole intrinsics in pixels: focal lengths (fx, fy) and principal point (cx, cy)."""

    focal: tuple[float, float]
    center: tuple[float, float]
    source: str = ""  # how they were chosen, for the output's record

    @classmethod
    def from_fov(cls, fov_deg: float, width: int, height: int) -> Intrinsics:
        """Square pixels, the principal point at the image centre, a horizontal field of view of ``fov_deg``."""
        f = width / (2.0 * math.tan(math.radians(fov_deg) / 2.0))
        return cls((f, f), (width / 2.0, height / 2.0), f"horizontal field of view {fov_deg:g} degrees")

    @classmethod
    def from_focal(cls, focal_px: float, width: int, height: int) -> Intrinsics:
        return cls((focal_px, focal_px), (width / 2.0, height / 2.0), f"focal length {focal_px:g} pixels")

    @classmethod
    def from_camera(cls, camera: Camera) -> Intrinsics:
        """A calibrated camera's pinhole intrinsics (its distortion left out)."""
        return cls((float(camera.focal[0]), float(camera.focal[1])), (float(camera.center[0]), float(camera.center[1])),
                   f"calibration{' of ' + camera.name if camera.name else ''}")

    @classmethod
    def for_image(cls, width: int, height: int, fov: float | None = None, focal: float | None = None) -> Intrinsics:
        """A user's camera: ``focal`` pixels, else a horizontal ``fov``, else :data:`DEFAULT_FOV` (said in ``source``)."""
        if focal is not None:
            return cls.from_focal(focal, width, height)
        if fov is not None:
            return cls.from_fov(fov, width, height)
        assumed = cls.from_fov(DEFAULT_FOV, width, height)
        return cls(assumed.focal, assumed.center, f"assumed: horizontal field of view {DEFAULT_FOV:g} degrees (pass --fov or --focal)")

    def rays(self, pixels: np.ndarray) -> np.ndarray:
        """Pixels (..., 2) → normalised image coordinates (x/z, y/z) of their rays."""
        return (np.asarray(pixels, dtype=np.float64) - np.asarray(self.center)) / np.asarray(self.focal)


@dataclass(frozen=True)
class Calibration:
    """How a model's trajectory is made: its depth correction and the smoothing of depth over time."""

    depth_scale: float = 1.0
    smooth_s: float = 0.1
    causal: bool = False

    def to_json(self) -> str:
        return json.dumps({"depth_scale": self.depth_scale, "smooth_s": self.smooth_s, "causal": self.causal})

    @classmethod
    def from_json(cls, text: str) -> Calibration:
        d = json.loads(text)
        scale, smooth = float(d["depth_scale"]), float(d.get("smooth_s", 0.1))
        if not (0.5 <= scale <= 2.0 and 0.0 <= smooth <= 5.0):
            raise ValueError(f"depth_scale {scale} or smooth_s {smooth} out of range")
        return cls(scale, smooth, bool(d.get("causal", False)))


def load_calibration(path: str | os.PathLike) -> Calibration | None:
    """The trajectory calibration stored in a weights file's header; None when it has none."""
    text = read_metadata(path).get(TRAJECTORY_KEY)
    if text is None:
        return None
    try:
        return Calibration.from_json(text)
    except (ValueError, TypeError, KeyError) as e:
        raise CheckpointError(f"{path}: invalid trajectory calibration in header ({' '.join(str(e).split())[:120]})") from None


def write_calibration(source: str | os.PathLike, target: str | os.PathLike, calibration: Calibration) -> None:
    """A copy of the weights file ``source`` with ``calibration`` in its header."""
    copy_with_metadata(source, target, {TRAJECTORY_KEY: calibration.to_json()})


def frame_statures(poses: np.ndarray) -> np.ndarray:
    """Standing height (metres) of each H36M-17 pose (T, 17, 3): the mean leg chain plus the pelvis-to-head-top
    chain, over (1 - ``ANKLE_HEIGHT``); (T,)."""
    lengths = [np.linalg.norm(np.diff(poses[:, list(chain)], axis=1), axis=-1).sum(-1) for chain in STATURE_CHAIN]
    return (0.5 * (lengths[0] + lengths[1]) + lengths[2]) / (1.0 - ANKLE_HEIGHT)


def stature(poses: np.ndarray) -> float:
    """A body's standing height (metres) from its H36M-17 poses (T, 17, 3): the median of :func:`frame_statures`."""
    return float(np.median(frame_statures(np.asarray(poses, dtype=np.float64))))


def solve_root(poses: np.ndarray, rays: np.ndarray, weights: np.ndarray | None = None,
               depth: np.ndarray | None = None) -> np.ndarray:
    """Root positions (T, 3) that put each root-relative pose (T, J, 3) on its joints' rays (T, J, 2), by weighted
    least squares per frame; with ``depth`` (T,) given, only x and y are solved."""
    poses, rays = np.asarray(poses, dtype=np.float64), np.asarray(rays, dtype=np.float64)
    w = np.ones(poses.shape[:2]) if weights is None else np.asarray(weights, dtype=np.float64)
    if depth is not None:  # x = m_x (P_z + z) - P_x, averaged with the weights
        xy = (rays * (poses[..., 2:] + depth[:, None, None]) - poses[..., :2]) * w[..., None]
        return np.concatenate([xy.sum(1) / np.maximum(w.sum(1), 1e-9)[:, None], depth[:, None]], -1)
    t_len, joints = poses.shape[:2]
    a = np.zeros((t_len, joints, 2, 3))
    a[..., 0, 0] = a[..., 1, 1] = 1.0
    a[..., 2] = -rays
    b = rays * poses[..., 2:] - poses[..., :2]
    sw = np.sqrt(w)[..., None]
    design = (a * sw[..., None]).reshape(t_len, 2 * joints, 3)
    target = (b * sw).reshape(t_len, 2 * joints)
    at = design.transpose(0, 2, 1)
    return np.linalg.solve(at @ design + 1e-9 * np.eye(3), (at @ target[..., None]))[..., 0]


def body_scale(poses: np.ndarray, calibration: Calibration, height: float | None = None) -> np.ndarray:
    """(T,) how much larger than lifted each pose is taken to be. A person keeps one size while the lifter's varies
    from frame to frame, so every frame is brought to one stature: ``height`` when known, else the lifted
    poses' median stature times the model's calibrated ``depth_scale`` (a causal calibration: the mean stature of
    the poses so far, as :class:`RootFollower` has it). Camera-space poses are ``scale × poses + root``."""
    statures = np.maximum(frame_statures(np.asarray(poses, dtype=np.float64)), 1e-6)
    if height is not None:
        return height / statures
    if calibration.causal:
        return calibration.depth_scale * np.cumsum(statures) / np.arange(1, len(statures) + 1) / statures
    return calibration.depth_scale * np.median(statures) / statures


def camera_trajectory(poses: np.ndarray, pixels: np.ndarray, intrinsics: Intrinsics, calibration: Calibration = Calibration(),
                      filled: np.ndarray | None = None, fps: float = 50.0, height: float | None = None) -> np.ndarray:
    """The root's camera-space path (T, 3), metres, for lifted H36M-17 poses (T, 17, 3) and their 2D pixels
    (T, 17, 2): the poses scaled by :func:`body_scale` (``height``: the person's stature in metres), put on
    their rays, the depth smoothed over time."""
    poses = np.asarray(poses, dtype=np.float64) * body_scale(poses, calibration, height)[:, None, None]
    weights = None if filled is None else np.where(filled, FILLED_WEIGHT, 1.0)
    rays = intrinsics.rays(pixels)
    depth = solve_root(poses, rays, weights)[:, 2]
    if calibration.smooth_s > 0 and len(depth) > 1:
        sigma = calibration.smooth_s * fps
        depth = _causal_smooth(depth, sigma) if calibration.causal else gaussian_filter1d(depth, sigma, mode="nearest")
    near = int((depth < MIN_DEPTH).sum())
    if near:
        say_too_near(f"in {near} of {plural(len(depth), 'frame')}")
    return solve_root(poses, rays, weights, depth=np.maximum(depth, MIN_DEPTH))


def say_too_near(where: str) -> None:
    """The one warning line for roots placed nearer than :data:`MIN_DEPTH` (``where``: which frames)."""
    print(f"warning: trajectory: the root came out nearer the camera than {MIN_DEPTH:g} m {where} and is held there: "
          "is the camera's focal length right (--focal, --fov)?", file=sys.stderr)


class AlphaBeta:
    """An alpha-beta (constant-velocity) filter as smooth as a Gaussian of ``sigma`` frames: each value sees only the
    past, and a steady drift (a person walking towards the camera) is followed without lag."""

    def __init__(self, sigma: float) -> None:
        self.alpha = min(2.0 / (1.0 + sigma), 1.0)
        self.beta = self.alpha * self.alpha / (2.0 - self.alpha)  # Benedict-Bordner's choice for this alpha (slightly underdamped)
        self.level: float | None = None
        self.rate = 0.0

    def push(self, value: float) -> float:
        if self.level is None:
            self.level = value
            return value
        predicted = self.level + self.rate
        residual = value - predicted
        self.level, self.rate = predicted + self.alpha * residual, self.rate + self.beta * residual
        return self.level


def _causal_smooth(values: np.ndarray, sigma: float) -> np.ndarray:
    filt = AlphaBeta(sigma)
    return np.array([filt.push(float(v)) for v in values])


class RootFollower:
    """The causal twin of :func:`camera_trajectory` for streaming: one root (3,) per pushed pose, from the past only
    (the body's size through :func:`body_scale`'s causal rule, the depth through :class:`AlphaBeta`)."""

    def __init__(self, intrinsics: Intrinsics, calibration: Calibration, fps: float, height: float | None = None) -> None:
        self.intrinsics, self.calibration, self.height = intrinsics, calibration, height
        self.depth = AlphaBeta(calibration.smooth_s * fps)
        self.statures_sum, self.count = 0.0, 0  # the lifted statures so far (a running mean: constant time a frame)
        self.scales: list[float] = []  # the body scale each pushed pose was placed with
        self.too_near = False  # whether a root was held at MIN_DEPTH yet (said once)

    def push(self, pose: np.ndarray, pixels: np.ndarray, filled: np.ndarray | None = None) -> np.ndarray:
        pose = np.asarray(pose, dtype=np.float64)[None]
        stature_now = max(float(frame_statures(pose)[0]), 1e-6)
        self.statures_sum, self.count = self.statures_sum + stature_now, self.count + 1
        size = self.height if self.height is not None else self.calibration.depth_scale * self.statures_sum / self.count
        self.scales.append(size / stature_now)
        pose = pose * self.scales[-1]
        rays = self.intrinsics.rays(np.asarray(pixels)[None])
        weights = None if filled is None else np.where(np.asarray(filled)[None], FILLED_WEIGHT, 1.0)
        depth = self.depth.push(float(solve_root(pose, rays, weights)[0, 2])) if self.calibration.smooth_s > 0 else None
        if depth is None:
            return solve_root(pose, rays, weights)[0]
        if depth < MIN_DEPTH and not self.too_near:
            self.too_near = True
            say_too_near(f"from streamed frame {len(self.scales) - 1} on")
        return solve_root(pose, rays, weights, depth=np.array([max(depth, MIN_DEPTH)]))[0]


__all__ = ["DEFAULT_FOV", "TRAJECTORY_KEY", "AlphaBeta", "Calibration", "Intrinsics", "RootFollower", "body_scale",
           "camera_trajectory", "frame_statures", "load_calibration", "solve_root", "stature", "write_calibration"]
