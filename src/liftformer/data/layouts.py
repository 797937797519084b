"""Keypoint layout conversions to the Human3.6M-17 input of the shipped models.

Each converter takes (..., J_src, C) and returns (..., 17, C); C is 2 (x, y), 3 (x, y, score) or
any other per-joint channel count, and every channel is combined the same way (a joint made
from several sources is their mean; a score made from several is their minimum, so a derived
joint is only as reliable as its weakest source).

- BlazePose-33 (MediaPipe Pose) → COCO-17: the 17 landmarks COCO also has.
- COCO-17 → H36M-17: pelvis = mid-hips, thorax = mid-shoulders, spine = mid(pelvis, thorax),
  nose = nose, head = mid-eyes, limbs directly.
- MPII-16 → H36M-17: pelvis, thorax and limbs directly, spine = mid(pelvis, thorax),
  nose = mid(upper neck, head top), head = head top.
"""

from __future__ import annotations

import warnings

import numpy as np

from liftformer.data.skeleton import COCO_17, H36M_17, MPII_16

BLAZEPOSE_TO_COCO = (0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28)
BLAZEPOSE_33_JOINTS = 33

# For each H36M-17 joint: the source joints averaged to make it.
_FROM_COCO = (
    (11, 12), (12,), (14,), (16,), (11,), (13,), (15,), (5, 6, 11, 12), (5, 6), (0,), (1, 2),
    (5,), (7,), (9,), (6,), (8,), (10,),
)
_FROM_MPII = (
    (6,), (2,), (1,), (0,), (3,), (4,), (5,), (6, 7), (7,), (8, 9), (9,),
    (13,), (14,), (15,), (12,), (11,), (10,),
)
LAYOUTS = ("h36m", "coco", "mpii", "blazepose")
JOINT_COUNTS = {"h36m": H36M_17.num_joints, "coco": COCO_17.num_joints, "mpii": MPII_16.num_joints, "blazepose": BLAZEPOSE_33_JOINTS}


def _combine(points: np.ndarray, sources: tuple[tuple[int, ...], ...], has_score: bool) -> np.ndarray:
    out = np.stack([points[..., list(s), :].mean(-2) for s in sources], axis=-2)
    if has_score:
        out[..., 2:] = np.stack([points[..., list(s), 2:].min(-2) for s in sources], axis=-2)
    return out


def blazepose_to_coco(points: np.ndarray) -> np.ndarray:
    """(..., 33, C) MediaPipe Pose landmarks → (..., 17, C) COCO order."""
    _check(points, "blazepose")
    return np.asarray(points)[..., list(BLAZEPOSE_TO_COCO), :]


def coco_to_h36m(points: np.ndarray) -> np.ndarray:
    """(..., 17, C) COCO → (..., 17, C) H36M-17; with C = 3 the last channel is a score.

    The spine is the mid-point of pelvis and thorax, i.e. the mean of hips and shoulders.
    """
    _check(points, "coco")
    points = np.asarray(points, dtype=np.float64)
    return _combine(points, _FROM_COCO, points.shape[-1] == 3)


def mpii_to_h36m(points: np.ndarray) -> np.ndarray:
    """(..., 16, C) MPII → (..., 17, C) H36M-17; with C = 3 the last channel is a score."""
    _check(points, "mpii")
    points = np.asarray(points, dtype=np.float64)
    return _combine(points, _FROM_MPII, points.shape[-1] == 3)


def to_h36m(points: np.ndarray, layout: str) -> np.ndarray:
    """Convert keypoints of any supported ``layout`` to H36M-17."""
    if layout == "h36m":
        _check(points, "h36m")
        return np.asarray(points, dtype=np.float64)
    if layout == "coco":
        return coco_to_h36m(points)
    if layout == "mpii":
        return mpii_to_h36m(points)
    if layout == "blazepose":
        return coco_to_h36m(blazepose_to_coco(points))
    raise ValueError(f"unknown keypoint layout '{layout}' (choose from {', '.join(LAYOUTS)})")


def _check(points: np.ndarray, layout: str) -> None:
    expected = JOINT_COUNTS[layout]
    if np.ndim(points) < 2 or np.shape(points)[-2] != expected:
        raise ValueError(f"{layout} keypoints have {expected} joints, got shape {np.shape(points)}")


def guess_layout(pixels: np.ndarray) -> str:
    """The layout of (T, J, 2) keypoints from the joint count; 17 joints: COCO or H36M-17.

    17 joints are told apart by joints 1 and 2: COCO's eyes are a few pixels apart, H36M's
    right hip and right knee a thigh apart (compared with the pose's height). Absurd coordinates (overflowing
    reductions) give a guess, never a numpy warning: what is wrong with them is said where they are checked.
    """
    with np.errstate(over="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _guess_layout(pixels)


def _guess_layout(pixels: np.ndarray) -> str:
    joints = np.shape(pixels)[-2]
    by_count = {n: name for name, n in JOINT_COUNTS.items() if name not in ("h36m", "coco")}
    if joints in by_count:
        return by_count[joints]
    if joints != 17:
        raise ValueError(f"cannot tell the layout of {joints}-joint keypoints (supported: {', '.join(LAYOUTS)})")
    pts = np.asarray(pixels, dtype=np.float64).reshape(-1, 17, 2)
    pts = pts[np.isfinite(pts).all(-1).any(-1)]  # frames without a person would make all-NaN reductions
    if len(pts) == 0:
        raise ValueError("cannot tell the layout of keypoints without a single detected joint: give --layout")
    height = np.nanmedian(np.nanmax(pts[..., 1], -1) - np.nanmin(pts[..., 1], -1))
    gaps = np.linalg.norm(pts[:, 1] - pts[:, 2], axis=-1)
    if not np.isfinite(gaps).any():
        raise ValueError("cannot tell COCO from H36M-17: joints 1 and 2 are never both detected; give --layout")
    return "h36m" if np.nanmedian(gaps) > 0.1 * height else "coco"


# Beyond the guess: 17 joints whose geometry clearly says one layout. Joints 1 and 2 (COCO's eyes, H36M's right
# hip and knee) and the spread of joints 0-4 (COCO's face: nose, eyes, ears; H36M's pelvis and right leg), each a
# fraction of the pose's height (median over frames). Walking H36M-17 poses measure about 0.27 and 0.55; a COCO
# body seen whole, about 0.04 and 0.1. Between the bounds (a seated H36M thigh pointing at the camera, a COCO
# close-up) the geometry is not evidence enough.
CLEARLY = {"h36m": (0.15, 0.3), "coco": (0.06, 0.2)}  # h36m: both above; coco: both below
LAYOUT_NAMES = {"h36m": "H36M-17", "coco": "COCO-17", "mpii": "MPII-16", "blazepose": "BlazePose-33"}


def clear_layout(pixels: np.ndarray) -> tuple[str, str] | None:
    """``(layout, evidence)`` when (T, 17, 2) keypoints (NaN where missing) are clearly COCO-17 or H36M-17 by
    their geometry, ``evidence`` a phrase saying why; None when it is ambiguous or there are not 17 joints."""
    pts = np.asarray(pixels, dtype=np.float64)
    if pts.ndim < 2 or pts.shape[-2:] != (17, 2):
        return None
    pts = pts.reshape(-1, 17, 2)
    with np.errstate(all="ignore"), warnings.catch_warnings():  # frames without a joint; absurd coordinates
        warnings.simplefilter("ignore", RuntimeWarning)
        height = np.nanmax(pts[..., 1], -1) - np.nanmin(pts[..., 1], -1)
        face = pts[:, :5]
        spread = np.nanmax(np.linalg.norm(face[:, :, None] - face[:, None], axis=-1), axis=(1, 2))
        gap = np.nanmedian(np.linalg.norm(pts[:, 1] - pts[:, 2], axis=-1) / height)
        spread = np.nanmedian(spread / height)
    if not (np.isfinite(gap) and np.isfinite(spread)):
        return None
    measured = f"joints 1 and 2 are {gap:.2f} of the pose's height apart and joints 0-4 span {spread:.2f}"
    (gap_h36m, spread_h36m), (gap_coco, spread_coco) = CLEARLY["h36m"], CLEARLY["coco"]
    if gap > gap_h36m and spread > spread_h36m:
        return "h36m", f"{measured}, as H36M-17's right hip, knee and leg do (COCO-17's eyes and face: about 0.04 and 0.1)"
    if gap < gap_coco and spread < spread_coco:
        return "coco", f"{measured}, as COCO-17's eyes and face do (H36M-17's right hip, knee and leg: about 0.27 and 0.55)"
    return None
