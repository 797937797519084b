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
SAME_PERSON = 0.15  # detections whose located joints lie this close (median, in body sizes) are one person


def square_tiles(height: int, width: int) -> list[tuple[int, int, int]]:
    """(top, left, side) of the square tiles of a frame; [] for a frame that is near square."""
    side = min(height, width)
    if max(height, width) <= LONG_RATIO * side:
        return []
    if height > width:
        return [(top, 0, side) for top in sorted({0, (height - side) // 2, height - side})]
    return [(0, left, side) for left in sorted({0, (width - side) // 2, width - side})]


def merge_people(found: list[np.ndarray], min_score: float = 0.5) -> np.ndarray:
    """One (J, 3) detection per person from several (P_i, J, 3) lists in frame pixels, earlier lists first: a
    detection that agrees with one already kept on its located joints (median distance under ``SAME_PERSON`` of
    the larger one's size) is the same person and dropped; within a list, the one with more visible joints first."""
    kept: list[np.ndarray] = []
    for group in found:
        for person in sorted(group, key=lambda p: -float((p[:, 2] > min_score).sum() + p[:, 2].mean())):
            if not any(_same(person, other, min_score) for other in kept):
                kept.append(person)
    joints = found[0].shape[1] if found and found[0].ndim == 3 else 0
    return np.stack(kept) if kept else np.zeros((0, joints, 3))


def _same(a: np.ndarray, b: np.ndarray, min_score: float) -> bool:
    both = (a[:, 2] > min_score) & (b[:, 2] > min_score)
    if both.sum() < 3:
        return False
    size = max(_size(a, min_score), _size(b, min_score), 1.0)
    return float(np.median(np.linalg.norm(a[both, :2] - b[both, :2], axis=-1))) < SAME_PERSON * size


def _size(person: np.ndarray, min_score: float) -> float:
    xy = person[person[:, 2] > min_score, :2]
    return float(np.linalg.norm(xy.max(0) - xy.min(0))) if len(xy) else 0.0
