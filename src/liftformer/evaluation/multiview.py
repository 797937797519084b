"""A real-camera yardstick: people triangulated from several calibrated views, for scoring what one view lifts.

Pure numpy. :func:`triangulate` is the weighted linear (DLT) triangulation of each joint from its pixel
positions in the views that see it (distortion, a fraction of a pixel on the cameras it serves here, is
left out); :func:`associate` decides, frame by frame, which detection in each view is which person: it
tries every combination of one detection (or none) per view, keeps the one whose triangulation reprojects
best, removes its detections and repeats, as Pose2Sim's person association does.
"""

from __future__ import annotations

import itertools

import numpy as np

from liftformer.data.camera import Camera

# H36M-17 joints every 2D layout has (pelvis: mid-hip); detectors mark the hips lower and closer together than Human3.6M
# does (evaluation/definitions.py)
SHARED_JOINTS = (0, 1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16)
MAX_REPROJECTION = 40.0  # pixels: a combination reprojecting worse than this is not one person


def projection_matrix(camera: Camera) -> np.ndarray:
    """The pinhole (3, 4) matrix K [R | -R C] of a camera."""
    k = np.array([[camera.focal[0], 0.0, camera.center[0]], [0.0, camera.focal[1], camera.center[1]], [0.0, 0.0, 1.0]])
    return k @ np.concatenate([camera.R, -(camera.R @ camera.T)[:, None]], 1)


def triangulate(matrices: np.ndarray, pixels: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Joints (J, 3) from their pixels (V, J, 2) in V views with projection ``matrices`` (V, 3, 4); ``weights`` (V, J)
    (0: not seen). NaN for a joint seen in fewer than two views."""
    u, v = pixels[..., 0], pixels[..., 1]  # (V, J)
    rows_u = u[..., None] * matrices[:, None, 2] - matrices[:, None, 0]  # (V, J, 4)
    rows_v = v[..., None] * matrices[:, None, 2] - matrices[:, None, 1]
    a = np.concatenate([rows_u, rows_v], 0) * np.concatenate([weights, weights], 0)[..., None]  # (2V, J, 4)
    a = np.nan_to_num(np.moveaxis(a, 1, 0))  # (J, 2V, 4)
    _, _, vt = np.linalg.svd(a)
    x = vt[:, -1]
    with np.errstate(divide="ignore", invalid="ignore"):  # w = 0 only for joints seen in under two views: NaN below
        points = x[:, :3] / x[:, 3:]
    points[(weights > 0).sum(0) < 2] = np.nan
    return points


def reproject(matrices: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Pixels (V, J, 2) of points (J, 3) in every view."""
    homogeneous = np.concatenate([points, np.ones((len(points), 1))], 1) @ matrices.transpose(0, 2, 1)  # (V, J, 3)
    return homogeneous[..., :2] / homogeneous[..., 2:]


def reprojection_error(matrices: np.ndarray, points: np.ndarray, pixels: np.ndarray, weights: np.ndarray) -> float:
    """Mean pixel distance between the views' detections and the triangulated points, over what was seen."""
    error = np.linalg.norm(reproject(matrices, points) - pixels, axis=-1)
    seen = (weights > 0) & np.isfinite(error)
    return float(error[seen].mean()) if seen.any() else float("inf")


def associate(matrices: np.ndarray, detections: list[np.ndarray], min_score: float = 0.3,
              max_error: float = MAX_REPROJECTION) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """People of one frame: from each view's detections (P_v, J, 3: pixels and score) the triangulated joints (J, 3),
    which detection of each view they used (V,; -1: none) and their reprojection error, best first."""
    joints = next((d.shape[1] for d in detections if len(d)), 0)
    free = [list(range(len(d))) for d in detections]
    people: list[tuple[np.ndarray, np.ndarray, float]] = []
    while sum(bool(f) for f in free) >= 2:
        best: tuple[int, float, tuple[int, ...], np.ndarray] | None = None
        for combo in itertools.product(*[[-1, *f] for f in free]):
            used = sum(c >= 0 for c in combo)
            if used < 2:
                continue
            pixels = np.stack([detections[v][c, :, :2] if c >= 0 else np.zeros((joints, 2)) for v, c in enumerate(combo)])
            weights = np.stack([(detections[v][c, :, 2] > min_score).astype(float) if c >= 0 else np.zeros(joints)
                                for v, c in enumerate(combo)])
            points = triangulate(matrices, pixels, weights)
            error = reprojection_error(matrices, points, pixels, weights)
            # more views are better evidence; among as many views, the smaller error
            if error <= max_error and (best is None or (used, -error) > (best[0], -best[1])):
                best = (used, error, combo, points)
        if best is None:
            break
        _, error, combo, points = best
        people.append((points, np.array(combo), error))
        for v, c in enumerate(combo):
            if c >= 0:
                free[v].remove(c)
    return people
