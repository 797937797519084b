"""Square tiles of a long frame, and one detection per person from overlapping tiles.

BlazePose's person detector sees a frame letterboxed into a square, so in a portrait (or wide) frame
people shrink to a fraction of its input and are missed (Demo_MultiPerson's cam03: one person found in
the whole 1088×1920 frame where its square tiles find both). :func:`square_tiles` covers a frame whose
long side is over ``LONG_RATIO`` times its short one with three squares of the short side (start,
middle, end); :func:`merge_people` keeps one detection of each person seen in several tiles.
"""

from __future__ import annotations

import numpy as np

LONG_RATIO = 1.2  # a frame this much longer than wide (or wider than long) is tiled
SAME_PERSON = 0.35  # detections whose shoulders and hips lie this close (mean, in torso lengths) are one person
TORSO = [11, 12, 23, 24]  # BlazePose-33: left and right shoulder, left and right hip


def square_tiles(height: int, width: int) -> list[tuple[int, int, int]]:
    """(top, left, side) of the square tiles of a frame; [] for a frame that is near square."""
    side = min(height, width)
    if max(height, width) <= LONG_RATIO * side:
        return []
    if height > width:
        return [(top, 0, side) for top in sorted({0, (height - side) // 2, height - side})]
    return [(0, left, side) for left in sorted({0, (width - side) // 2, width - side})]


def merge_people(found: list[np.ndarray], min_score: float = 0.5) -> np.ndarray:
    """One (33, 3) BlazePose detection per person from several (P_i, 33, 3) lists in frame pixels, earlier lists
    first: a detection of a body already kept (:func:`same_person`) is dropped; within a list, the one with more
    visible joints first."""
    kept: list[np.ndarray] = []
    for group in found:
        for person in sorted(group, key=lambda p: -float((p[:, 2] > min_score).sum() + p[:, 2].mean())):
            if not any(same_person(person, other) for other in kept):
                kept.append(person)
    joints = found[0].shape[1] if found and found[0].ndim == 3 else 0
    return np.stack(kept) if kept else np.zeros((0, joints, 3))


def same_person(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two (33, 3) BlazePose detections are one body: their shoulders and hips (which two people side by side,
    even overlapping, cannot share) lie within ``SAME_PERSON`` of the longer torso of each other, on average."""
    pa, pb = a[TORSO, :2], b[TORSO, :2]
    if not (np.isfinite(pa).all() and np.isfinite(pb).all()):
        return False
    torso = max(_torso(pa), _torso(pb), 1.0)
    return float(np.linalg.norm(pa - pb, axis=-1).mean()) < SAME_PERSON * torso


def _torso(points: np.ndarray) -> float:
    """Shoulders' centre to hips' centre, pixels (``points``: the TORSO joints)."""
    return float(np.linalg.norm(points[:2].mean(0) - points[2:].mean(0)))
