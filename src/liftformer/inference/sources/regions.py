"""Where people are in a frame: regions of interest, square tiles of long frames, and which two detections are one body.

MediaPipe Pose reads a person through a region of interest (:class:`Roi`): a square, turned so the body stands
upright in it, around the circle that encloses them. Its person detector sees a frame letterboxed into a
square, so in a portrait (or wide) frame people shrink to a fraction of its input and are missed
(Demo_MultiPerson's cam03: one person found in the whole 1088×1920 frame where its square tiles find both);
:func:`square_tiles` covers a frame whose long side is over ``LONG_RATIO`` times its short one with three squares
of the short side (start, middle, end), and :func:`distinct` keeps one region of each person seen in several.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LONG_RATIO = 1.2  # a frame this much longer than wide (or wider than long) is tiled
SAME_PERSON = 0.35  # detections whose shoulders and hips lie this close (mean, in torso lengths) are one person
SAME_REGION = 0.25  # regions whose centres lie this close (in the larger one's sides) hold one person
ROI_SCALE = 1.25  # MediaPipe's own ROI: the body's enclosing circle's diameter, this much enlarged
LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_HIP, RIGHT_HIP = 11, 12, 23, 24  # BlazePose-33 indices
TORSO = [LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_HIP, RIGHT_HIP]


@dataclass(frozen=True)
class Roi:
    """A square region, turned so the body stands upright in it: centre (x, y) and side in frame pixels, rotation
    in radians, clockwise (MediaPipe's ``NormalizedRect`` convention)."""

    x: float
    y: float
    side: float
    rotation: float = 0.0

    @classmethod
    def aligned(cls, centre: np.ndarray, top: np.ndarray) -> Roi:
        """MediaPipe's region from two alignment points (pixels): the hips' centre, and a point towards the head on
        the circle enclosing the body; that circle's diameter enlarged ``ROI_SCALE`` times, turned head up."""
        up = np.asarray(top, dtype=np.float64) - np.asarray(centre, dtype=np.float64)
        rotation = np.pi / 2 - np.arctan2(-up[1], up[0])
        return cls(float(centre[0]), float(centre[1]), 2 * float(np.hypot(*up)) * ROI_SCALE, float(_wrap(rotation)))

    @classmethod
    def around(cls, person: np.ndarray) -> Roi:
        """The region of one (33, 3) BlazePose detection: centred on the hips, through the farthest keypoint, turned so
        the shoulders are above the hips."""
        xy = person[:, :2]
        hips = xy[[LEFT_HIP, RIGHT_HIP]].mean(0)
        up = xy[[LEFT_SHOULDER, RIGHT_SHOULDER]].mean(0) - hips
        radius = float(np.nanmax(np.linalg.norm(xy - hips, axis=-1)))
        return cls.aligned(hips, hips + radius * up / max(float(np.hypot(*up)), 1e-9))

    def contains(self, point: np.ndarray) -> bool:
        return bool(np.hypot(point[0] - self.x, point[1] - self.y) <= self.side / 2)

    def shifted(self, left: float, top: float) -> Roi:
        return Roi(self.x + left, self.y + top, self.side, self.rotation)


def _wrap(angle: float) -> float:
    return (angle + np.pi) % (2 * np.pi) - np.pi


def square_tiles(height: int, width: int) -> list[tuple[int, int, int]]:
    """(top, left, side) of the square tiles of a frame; [] for a frame that is near square."""
    side = min(height, width)
    if max(height, width) <= LONG_RATIO * side:
        return []
    if height > width:
        return [(top, 0, side) for top in sorted({0, (height - side) // 2, height - side})]
    return [(0, left, side) for left in sorted({0, (width - side) // 2, width - side})]


def distinct(found: list[list[Roi]]) -> list[Roi]:
    """One region per person from several lists (the whole frame's first, then its tiles'): a region whose centre
    lies within ``SAME_REGION`` of a kept one's side of it is that person again, and dropped."""
    kept: list[Roi] = []
    for group in found:
        for roi in group:
            if not any(np.hypot(roi.x - k.x, roi.y - k.y) < SAME_REGION * max(roi.side, k.side) for k in kept):
                kept.append(roi)
    return kept


def hips(person: np.ndarray) -> np.ndarray:
    """The hips' centre (2,) of a (33, 3) BlazePose detection."""
    return person[[LEFT_HIP, RIGHT_HIP], :2].mean(0)


def torso_length(person: np.ndarray) -> float:
    """Shoulders' centre to hips' centre of a (33, 3) BlazePose detection, pixels."""
    return float(np.linalg.norm(person[[LEFT_SHOULDER, RIGHT_SHOULDER], :2].mean(0) - hips(person)))


def torso_distance(a: np.ndarray, b: np.ndarray) -> float:
    """How far apart two (33, 3) BlazePose detections' shoulders and hips are (mean), in the longer torso's lengths;
    inf when either lacks one."""
    pa, pb = a[TORSO, :2], b[TORSO, :2]
    if not (np.isfinite(pa).all() and np.isfinite(pb).all()):
        return float("inf")
    return float(np.linalg.norm(pa - pb, axis=-1).mean()) / max(torso_length(a), torso_length(b), 1.0)


def same_person(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two (33, 3) BlazePose detections are one body: their shoulders and hips (which two people side by side,
    even overlapping, cannot share) lie within ``SAME_PERSON`` torso lengths of each other (:func:`torso_distance`)."""
    return torso_distance(a, b) < SAME_PERSON
