"""Trajectory metrics and the similar-triangles baseline: MRPE, its x/y/z parts, depth error as % of depth,
absolute MPJPE (root-relative pose plus root). Pure numpy over (T, 3) roots and (T, J, 3) poses, metres."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from liftformer.data.camera import Camera, image_coordinates
from liftformer.data.sequences import Sequence
from liftformer.data.skeleton import Skeleton
from liftformer.data.spec import DatasetSpec
from liftformer.inference.lifting.trajectory import Calibration, Intrinsics, body_scale, camera_trajectory, stature


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


TRAJECTORY_METRICS = ("MRPE", "MRPE x", "MRPE y", "MRPE z", "depth error %", "absolute MPJPE", "MRPE, true stature",
                      "absolute MPJPE, true stature")


def trajectory_errors(poses: np.ndarray, pixels: np.ndarray, target: np.ndarray, target_root: np.ndarray,
                      camera: Camera, calibration: Calibration, fps: float) -> dict[str, np.ndarray]:
    """Per-frame trajectory errors of one sequence (mm; depth error in %): the model's calibrated size, and the
    subject's true stature (a separate row, as ``--person-height`` would give it)."""
    intrinsics = Intrinsics.from_camera(camera)
    out: dict[str, np.ndarray] = {}
    for suffix, height in (("", None), (", true stature", stature(target))):
        root = camera_trajectory(poses, pixels, intrinsics, calibration, fps=fps, height=height)
        scale = body_scale(poses, calibration, height)
        errors = root_errors(root, target_root)
        out[f"MRPE{suffix}"] = 1000 * errors["mrpe"]
        out[f"absolute MPJPE{suffix}"] = 1000 * absolute_mpjpe(scale[:, None, None] * poses, root, target, target_root)
        if not suffix:
            out.update({"MRPE x": 1000 * errors["x"], "MRPE y": 1000 * errors["y"], "MRPE z": 1000 * errors["z"],
                        "depth error %": errors["depth_pct"]})
    return out


def trajectory_scorer(spec: DatasetSpec, calibration: Calibration) -> Callable[[Sequence, np.ndarray], dict[str, np.ndarray]] | None:
    """Per-sequence :func:`trajectory_errors` for :func:`~liftformer.evaluation.protocol.evaluate_sequences`, with the
    dataset's packaged cameras; None when the dataset ships none. Needs H36M-17 input and output joints."""
    if spec.cameras is None:
        return None
    cams = spec.cameras()

    def score(seq: Sequence, poses: np.ndarray) -> dict[str, np.ndarray]:
        cam = cams.get(seq.subject) or cams[seq.subject.split("/")[-1]]
        camera = cam[seq.camera]
        if seq.trajectory is None or seq.positions_3d is None:
            raise ValueError(f"{seq.name}: the trajectory needs the root's camera-space path")
        pixels = image_coordinates(seq.keypoints, camera.width, camera.height)
        return trajectory_errors(poses, pixels, seq.positions_3d.astype(np.float64), seq.trajectory.astype(np.float64), camera,
                                 calibration, seq.fps)

    return score
