"""Trajectory metrics and the similar-triangles baseline: MRPE, its x/y/z parts, depth error as % of depth,
absolute MPJPE (root-relative pose plus root). Pure numpy over (T, 3) roots and (T, J, 3) poses, metres."""

from __future__ import annotations

import numpy as np

from liftformer.data.skeleton import Skeleton


def root_errors(pred: np.ndarray, target: np.ndarray) -> dict[str, np.ndarray]:
    """Per-frame errors of root positions (T, 3): ``mrpe`` (Euclidean), ``x``/``y``/``z`` (absolute, per axis) and
    ``depth_pct`` (|Δz| over the true depth, %)."""
    diff = np.asarray(pred, dtype=np.float64) - np.asarray(target, dtype=np.float64)
    return {"mrpe": np.linalg.norm(diff, axis=-1), "x": np.abs(diff[:, 0]), "y": np.abs(diff[:, 1]),
            "z": np.abs(diff[:, 2]), "depth_pct": 100.0 * np.abs(diff[:, 2]) / np.abs(target[:, 2])}


def absolute_mpjpe(poses: np.ndarray, root: np.ndarray, target_poses: np.ndarray, target_root: np.ndarray) -> np.ndarray:
    """Per-frame mean joint error (T,) of camera-space poses: root-relative poses (T, J, 3) plus roots (T, 3)."""
    pred = np.asarray(poses, dtype=np.float64) + np.asarray(root)[:, None]
    truth = np.asarray(target_poses, dtype=np.float64) + np.asarray(target_root)[:, None]
    return np.linalg.norm(pred - truth, axis=-1).mean(-1)


def bone_length_sum(points: np.ndarray, skeleton: Skeleton) -> np.ndarray:
    """Sum of bone lengths per frame of (T, J, 2|3) points."""
    bones = np.array(skeleton.bones())
    return np.linalg.norm(points[:, bones[:, 1]] - points[:, bones[:, 0]], axis=-1).sum(-1)


def similar_triangles_root(rays: np.ndarray, body_size: float, skeleton: Skeleton, root: int = 0) -> np.ndarray:
    """The baseline: depth from the body's angular size, ``body_size`` (metres of summed bone length, e.g. the
    training subjects' mean) over the summed bone length of its rays (T, J, 2); x, y along the root's ray."""
    depth = body_size / np.maximum(bone_length_sum(rays, skeleton), 1e-9)
    return np.concatenate([rays[:, root] * depth[:, None], depth[:, None]], -1)
