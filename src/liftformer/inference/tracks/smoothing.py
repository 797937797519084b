"""One-Euro smoothing of 2D keypoint tracks (Casiez, Roussel & Vogel, CHI 2012), as MediaPipe's legacy Pose does.

The legacy MediaPipe Pose graph smooths its landmarks itself (``pose_landmark_filtering.pbtxt``); the followers
of several people (:mod:`~liftformer.inference.sources.followers`, its landmark subgraph alone) do not.
:func:`smooth_keypoints` does for a tracked person what that subgraph does for one, with its parameters:

- coordinates: a One-Euro filter per joint and axis in pixels (``LandmarksSmoothingCalculator``,
  ``one_euro_filter { min_cutoff: 0.1 beta: 40.0 derivate_cutoff: 1.0 }``), its speed scale-free: the
  derivative is taken in object sizes per second, the object size being the mean of the width and height of
  the bounding box of all the person's joints in that frame (MediaPipe's ``GetObjectScale``, value scaling on);
- visibilities: an exponential moving average with alpha 0.1 (``VisibilitySmoothingCalculator``).

The filters are causal: :class:`OneEuro` and :class:`StreamSmoother` run them a frame at a time for a stream, with
the same outputs as the whole track's.

As in ``mediapipe/util/filtering/one_euro_filter.cc`` the speed is the change from the previous raw (not
filtered) value, and a filter starts afresh (its first output is the input) after a missing value, as
MediaPipe resets its filters when the landmarks are lost. The frame rate is the video's, not timestamps.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from liftformer.inference.sources.keypoints import Keypoints2D

MIN_CUTOFF = 0.1  # Hz: alpha ≈ 0.02 at 30 frames/s while a joint is still
BETA = 40.0  # Hz per (object size per second): alpha ≈ 0.8 while it moves fast
DERIVATE_CUTOFF = 1.0  # Hz: the speed estimate's low-pass, alpha ≈ 0.17 at 30 frames/s
VISIBILITY_ALPHA = 0.1  # the visibility EMA's weight of the new value
DEFAULT_FPS = 30.0  # when the keypoints carry no frame rate (MediaPipe's default frequency)


def object_scale(pixels: np.ndarray) -> np.ndarray:
    """(T,) mean of the bounding-box width and height of each frame's located joints in (T, J, 2); NaN where none."""
    pixels = np.asarray(pixels, dtype=np.float64)
    ok = np.isfinite(pixels).all(-1, keepdims=True)  # (T, J, 1)
    hi = np.where(ok, pixels, -np.inf).max(1)
    lo = np.where(ok, pixels, np.inf).min(1)
    with np.errstate(invalid="ignore"):
        scale = (hi - lo).mean(-1)
    return np.where(ok.any((1, 2)), scale, np.nan)


def _alpha(cutoff: float | np.ndarray, fps: float) -> np.ndarray:
    """Exponential-smoothing weight of a first-order low-pass at ``cutoff`` Hz sampled at ``fps``."""
    step = 2 * np.pi * np.asarray(cutoff) / fps  # = te / tau
    return step / (1.0 + step)


def one_euro(pixels: np.ndarray, fps: float, scale: np.ndarray | None = None, min_cutoff: float = MIN_CUTOFF,
             beta: float = BETA, derivate_cutoff: float = DERIVATE_CUTOFF) -> np.ndarray:
    """One-Euro filtered (T, J, 2) pixel tracks (NaN where missing) at ``fps`` frames per second.

    ``scale`` (T,): the person's size in pixels per frame (default :func:`object_scale`); the speed that opens the
    filter is measured in sizes per second, so scaling the pixels scales the output alike. Each joint and axis is
    filtered separately; the loop runs over time only. A joint restarts after a frame where it is missing (and
    stays NaN there); a frame with no usable scale passes through unfiltered and restarts every joint.
    """
    x = np.asarray(pixels, dtype=np.float64)
    if x.ndim != 3 or x.shape[-1] != 2:
        raise ValueError(f"expected (T, J, 2) pixels, got {x.shape}")
    sizes = object_scale(x) if scale is None else np.asarray(scale, dtype=np.float64).reshape(len(x))
    step = OneEuro(x.shape[1], fps, min_cutoff, beta, derivate_cutoff)
    return np.stack([step(raw, size) for raw, size in zip(x, sizes)]) if len(x) else np.full_like(x, np.nan)


class OneEuro:
    """:func:`one_euro` one frame at a time (a stream's): call it with each frame's (J, 2) pixels and the person's
    size; it returns the filtered (J, 2), the same as :func:`one_euro` over the frames so far."""

    def __init__(self, joints: int, fps: float, min_cutoff: float = MIN_CUTOFF, beta: float = BETA,
                 derivate_cutoff: float = DERIVATE_CUTOFF) -> None:
        if not fps > 0:
            raise ValueError(f"fps must be positive, got {fps}")
        self.fps, self.min_cutoff, self.beta = fps, min_cutoff, beta
        self.a_speed = _alpha(derivate_cutoff, fps)
        self.prev = np.full((joints, 2), np.nan)  # the last raw value; NaN: the filter has no state
        self.est = np.zeros((joints, 2))
        self.speed = np.zeros((joints, 2))

    def __call__(self, raw: np.ndarray, size: float) -> np.ndarray:
        raw = np.asarray(raw, dtype=np.float64)
        usable = bool(np.isfinite(size) and size > 0)
        with np.errstate(invalid="ignore"):
            finite = np.isfinite(raw).all(-1, keepdims=True)  # (J, 1)
            ok = finite & usable
            live = ok & np.isfinite(self.prev).all(-1, keepdims=True)
            if usable:
                rate = (raw - self.prev) * (self.fps / size)  # object sizes per second
                self.speed = np.where(live, self.speed + self.a_speed * (rate - self.speed), 0.0)
            a = _alpha(self.min_cutoff + self.beta * np.abs(self.speed), self.fps)
            self.est = np.where(live, self.est + a * (raw - self.est), raw)
            self.prev = np.where(ok, raw, np.nan)
            return np.where(finite, self.est, np.nan)


class StreamSmoother:
    """A person's (J, 3) keypoints smoothed frame by frame as :func:`smooth_keypoints` smooths a track: One-Euro
    pixels, visibility averaged (a new smoother for a person who was missing, as the filters restart)."""

    def __init__(self, joints: int, fps: float) -> None:
        self._pixels = OneEuro(joints, fps)
        self._scores: np.ndarray | None = None
        self._valid: np.ndarray = np.zeros(joints, bool)

    def __call__(self, points: np.ndarray) -> np.ndarray:
        pixels = np.asarray(points[:, :2], dtype=np.float64)
        valid: np.ndarray = np.asarray(np.isfinite(pixels).all(-1))
        scores = np.asarray(points[:, 2], dtype=np.float64)
        if self._scores is not None:  # smooth_visibility's step from the frame before (its first row, as it was)
            scores = smooth_visibility(np.stack([self._scores, scores]), np.stack([self._valid, valid]))[1]
        self._scores, self._valid = scores, valid
        return np.concatenate([self._pixels(pixels, float(object_scale(pixels[None])[0])), scores[:, None]], -1)


def smooth_visibility(scores: np.ndarray, valid: np.ndarray, alpha: float = VISIBILITY_ALPHA) -> np.ndarray:
    """(T, J) scores averaged exponentially over time (``alpha``: the new value's weight) where ``valid`` (T, J);
    elsewhere unchanged, and the average restarts after them."""
    s = np.asarray(scores, dtype=np.float64)
    out = s.copy()
    alive = np.zeros(s.shape[1:], bool)
    for t in range(len(s)):
        live = valid[t] & alive
        out[t] = np.where(live, out[t - 1] + alpha * (s[t] - out[t - 1]), s[t])
        alive = valid[t]
    return out


def smooth_keypoints(kp: Keypoints2D, rows: np.ndarray | None = None) -> Keypoints2D:
    """``kp`` with its pixels One-Euro filtered and its scores averaged (MediaPipe's legacy parameters) over the
    ``rows`` (T,) bool (default all); the other rows stay as they were and the filters restart after them."""
    use = np.ones(len(kp.pixels), bool) if rows is None else np.asarray(rows, bool)
    if not use.any():
        return kp
    pixels = np.where(use[:, None, None], kp.pixels, np.nan)
    filtered = one_euro(pixels, kp.fps or DEFAULT_FPS)
    scores = kp.scores
    if scores is not None:
        valid = use[:, None] & np.isfinite(pixels).all(-1)
        scores = np.where(use[:, None], smooth_visibility(scores, valid), scores)
    return dataclasses.replace(kp, pixels=np.where(use[:, None, None], filtered, kp.pixels), scores=scores)
