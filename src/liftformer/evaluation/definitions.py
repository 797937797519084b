"""Where 2D detectors mark the hips, against Human3.6M's hip joint centres.

Human3.6M's hips are joint centres from motion capture; COCO, MPII and MediaPipe annotate the hip on the
body's outline, lower on the torso and closer together. A reference built from a detector's keypoints (e.g.
triangulated from several views) therefore puts the pelvis and hips elsewhere than a lifter trained on
Human3.6M does, however accurate both are. :func:`fit_hip_offset` measures the difference on paired 2D (a
detector's keypoints beside the ground truth projected, both H36M-17) in the body's own units;
:func:`to_detector_hips` moves the pelvis and hips of 3D H36M-17 poses there, so that they can be compared with
a detector-defined reference. Pure numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PELVIS, RIGHT_HIP, LEFT_HIP, THORAX = 0, 1, 4, 8  # H36M-17
FACING = 0.3  # a frame's hip width is read when the hips are at least this far apart in 2D, in torso lengths


@dataclass(frozen=True)
class HipOffset:
    """Detector hips against Human3.6M's: ``down`` how far below the joint centres the detector marks the mid-hip,
    as a fraction of the pelvis-to-thorax length; ``width`` the detector's hip width over Human3.6M's."""

    down: float
    width: float
    frames: int = 0  # how many frame pairs the fit used


def fit_hip_offset(truth: np.ndarray, detected: np.ndarray) -> HipOffset:
    """The median :class:`HipOffset` of ``detected`` (N, 17, 2) H36M-17 keypoints against ``truth`` (N, 17, 2),
    the same frames' ground truth projected. ``down`` is read along each frame's projected torso; ``width`` in
    the frames whose hips are clearly apart in 2D (the body not seen from the side)."""
    truth, detected = np.asarray(truth, np.float64), np.asarray(detected, np.float64)
    if truth.shape != detected.shape or truth.ndim != 3 or truth.shape[1:] != (17, 2):
        raise ValueError(f"fit_hip_offset needs two (N, 17, 2) arrays of one shape, got {truth.shape} and {detected.shape}")
    ok = np.isfinite(truth).all((1, 2)) & np.isfinite(detected).all((1, 2))
    truth, detected = truth[ok], detected[ok]
    mid_truth = truth[:, [RIGHT_HIP, LEFT_HIP]].mean(1)
    axis = truth[:, THORAX] - mid_truth
    torso = np.linalg.norm(axis, axis=-1)
    keep = torso > 0
    if not keep.any():
        raise ValueError("fit_hip_offset: no frame with a torso")
    truth, detected, mid_truth, axis, torso = truth[keep], detected[keep], mid_truth[keep], axis[keep], torso[keep]
    shift = detected[:, [RIGHT_HIP, LEFT_HIP]].mean(1) - mid_truth
    down = -np.einsum("nc,nc->n", shift, axis) / torso**2
    apart = np.linalg.norm(truth[:, RIGHT_HIP] - truth[:, LEFT_HIP], axis=-1)
    facing = apart > FACING * torso
    if not facing.any():
        raise ValueError("fit_hip_offset: no frame shows the hips apart (every body is seen from the side)")
    width = np.linalg.norm(detected[facing, RIGHT_HIP] - detected[facing, LEFT_HIP], axis=-1) / apart[facing]
    return HipOffset(float(np.median(down)), float(np.median(width)), int(len(truth)))


def to_detector_hips(poses: np.ndarray, offset: HipOffset) -> np.ndarray:
    """A copy of (..., 17, 3) H36M-17 ``poses`` with the hips scaled about the pelvis by ``offset.width``, then
    pelvis and hips moved ``offset.down`` of the pelvis-to-thorax vector down the torso: where a detector marks them."""
    out = np.array(poses, dtype=np.float64)
    pelvis = out[..., PELVIS : PELVIS + 1, :].copy()
    out[..., [RIGHT_HIP, LEFT_HIP], :] = pelvis + offset.width * (out[..., [RIGHT_HIP, LEFT_HIP], :] - pelvis)
    out[..., [PELVIS, RIGHT_HIP, LEFT_HIP], :] -= offset.down * (out[..., THORAX : THORAX + 1, :] - pelvis)
    return out
