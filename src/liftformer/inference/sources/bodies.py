"""Is it a body? Detections and track frames checked against a human body before they are tracked or lifted.

A detector can return a "person" that is not one: after a back-flip, MediaPipe's follower kept a body 900-2,700 px
wide on a 1,768 px frame, most of its joints outside the image, for about 40 frames. Every check here is on the
Human3.6M-17 skeleton that would be lifted (any layout converted as the lifter's input is), every joint the
detector located (:func:`skeleton`):

- ``outside``: more than ``MAX_OUTSIDE`` joints outside the image (a person cut by the frame's edge keeps up to
  four, e.g. both knees and ankles);
- ``too large``: the skeleton's extent (the larger of its width and height) over ``MAX_IMAGE`` times the image's
  longer side;
- ``size jump``: in a track, an extent over ``MAX_GROWTH`` times both the track's median extent and the median of
  the frames within ``WINDOW_S`` seconds (a person walking toward the camera grows over seconds, not in a frame).

The first two are per detection (:func:`detection_causes`), the third per track (:func:`size_jumps`); a video's
followers refuse a body that :func:`runs_away` from their person's size (they keep their region and are re-aimed
by the next census). Pure functions of the keypoints: what to drop, and why, is decided here; the followers and
:mod:`~liftformer.inference.tracks.plausibility` drop it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence

import numpy as np

from liftformer.data.layouts import JOINT_COUNTS, to_h36m

MAX_OUTSIDE = 4  # joints of the 17 outside the image that a frame may have
MAX_IMAGE = 1.5  # the largest extent, in the image's longer side
MAX_GROWTH = 1.5  # the largest extent, in the track's median extent (and in the median of the frames around it)
WINDOW_S = 2.0  # seconds either side of a frame whose median extent it is compared with
MIN_JOINTS = 3  # located joints below which a detection has no extent to check (the tracker ignores it anyway)
RECENT = 10  # a follower's latest sizes that its next is compared with

OK, OUTSIDE, TOO_LARGE, SIZE_JUMP = 0, 1, 2, 3
CAUSES = {OUTSIDE: f"more than {MAX_OUTSIDE} joints outside the image", TOO_LARGE: f"over {MAX_IMAGE:g}x the image",
          SIZE_JUMP: f"over {MAX_GROWTH:g}x the person's usual size"}


def skeleton(points: np.ndarray, layout: str) -> np.ndarray:
    """(..., 17, 2) Human3.6M-17 pixels of (..., J, 3) detections in ``layout``, NaN where a joint is not located (NaN,
    or a score of 0: a derived joint, e.g. the pelvis, where any of its sources is not). A joint of low confidence
    counts where the detector guesses it: it moves smoothly with the body (a set of joints above a confidence floor
    comes and goes from frame to frame, and so would the extent), and a body cut by the frame is guessed outside it."""
    h36m = to_h36m(np.asarray(points, dtype=np.float64), layout)
    located = np.isfinite(h36m[..., :2]).all(-1) & (h36m[..., 2] > 0)
    return np.where(located[..., None], h36m[..., :2], np.nan)


def extents(body: np.ndarray) -> np.ndarray:
    """(...,) the larger of the width and height of each (..., 17, 2) skeleton's located joints (NaN with fewer than
    ``MIN_JOINTS``)."""
    located = np.isfinite(body).all(-1)
    with np.errstate(invalid="ignore"):
        lo = np.where(located[..., None], body, np.inf).min(-2)
        hi = np.where(located[..., None], body, -np.inf).max(-2)
    return np.where(located.sum(-1) >= MIN_JOINTS, (hi - lo).max(-1), np.nan)


def detection_causes(body: np.ndarray, width: int | None, height: int | None) -> np.ndarray:
    """(...,) why each (..., 17, 2) skeleton (:func:`skeleton`) is not a body in a ``width`` × ``height`` image:
    ``OUTSIDE``, ``TOO_LARGE`` or ``OK`` (every skeleton ``OK`` when the image size is unknown)."""
    causes = np.zeros(body.shape[:-2], dtype=np.int8)
    if not width or not height:
        return causes
    x, y = body[..., 0], body[..., 1]
    with np.errstate(invalid="ignore"):
        outside = ((x < 0) | (x > width) | (y < 0) | (y > height)).sum(-1)
        causes[extents(body) > MAX_IMAGE * max(width, height)] = TOO_LARGE
    causes[outside > MAX_OUTSIDE] = OUTSIDE
    return causes


def size_jumps(frames: np.ndarray, sizes: np.ndarray, fps: float) -> np.ndarray:
    """(n,) whether each of a track's frames (input frame numbers, ascending) has an extent ``sizes`` (NaN: unknown,
    never a jump) over ``MAX_GROWTH`` times both the track's median and the median within ``WINDOW_S`` s of it."""
    frames, sizes = np.asarray(frames), np.asarray(sizes, dtype=np.float64)
    known = np.isfinite(sizes)
    if known.sum() < 2:
        return np.zeros(len(sizes), bool)
    overall = np.median(sizes[known])
    half = max(1, round(WINDOW_S * fps))
    lo, hi = np.searchsorted(frames, frames - half), np.searchsorted(frames, frames + half, side="right")
    local = np.array([np.median(s[np.isfinite(s)]) if np.isfinite(s).any() else np.nan for s in (sizes[a:b] for a, b in zip(lo, hi))])
    with np.errstate(invalid="ignore"):
        return known & (sizes > MAX_GROWTH * overall) & (sizes > MAX_GROWTH * local)


def runs_away(size: float, recent: Sequence[float], image: tuple[int, int]) -> bool:
    """Whether a follower's new body of extent ``size`` is not its person: over ``MAX_IMAGE`` times the ``image``'s
    (height, width) longer side, or over ``MAX_GROWTH`` times the median of its ``recent`` sizes."""
    if not np.isfinite(size):
        return False
    return bool(size > MAX_IMAGE * max(image) or (len(recent) and size > MAX_GROWTH * float(np.median(recent))))


def describe(counts: Iterable[tuple[int, int]], total: int, who: str) -> str:
    """One line: how many of ``total`` frames of ``who`` were dropped, by cause (``counts``: (cause, frames))."""
    parts = [f"{n} {CAUSES[cause]}" for cause, n in counts if n]
    dropped = sum(n for _, n in counts)
    return f"plausibility of {who}: dropped {dropped} of {total} frames ({'; '.join(parts)})"


class BodyCheck:
    """Frame by frame, as a stream sees one person: whether each new (J, 3) detection in ``layout`` is a body in a
    ``width`` × ``height`` image (:func:`detection_causes`, and :func:`runs_away` from the sizes of the last ``RECENT``
    frames kept, the causal stand-in for the track's medians), and how many were dropped by cause (``dropped``)."""

    def __init__(self, layout: str, width: int, height: int) -> None:
        self.layout, self.size = layout, (int(height), int(width))
        self.sizes: deque[float] = deque(maxlen=RECENT)
        self.dropped: dict[int, int] = {}
        self.seen = 0

    def cause(self, points: np.ndarray) -> int:
        """``OK`` for a body (its size is kept), else why it is not one (counted). (J, 2) points have score 1; points of
        another shape are ``OK`` here (the stream names what is wrong with them)."""
        points = np.asarray(points, dtype=np.float64)
        if points.ndim == 2 and points.shape[1] == 2:
            points = np.concatenate([points, np.ones((len(points), 1))], -1)
        if points.ndim != 2 or points.shape != (JOINT_COUNTS.get(self.layout, -1), 3):
            return OK
        self.seen += 1
        body = skeleton(points[None], self.layout)
        cause = int(detection_causes(body, self.size[1], self.size[0])[0])
        size = float(extents(body)[0])
        if cause == OK and runs_away(size, self.sizes, self.size):
            cause = SIZE_JUMP
        if cause == OK:
            if np.isfinite(size):
                self.sizes.append(size)
        else:
            self.dropped[cause] = self.dropped.get(cause, 0) + 1
        return cause
