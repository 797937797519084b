"""Model-ready keypoints from one person's :class:`~liftformer.inference.sources.keypoints.Keypoints2D`.

A joint is missing in a frame when it is NaN or its confidence is at or below ``min_score``; missing
joints and frames without a person are filled by linear interpolation in time (edge frames copy the
nearest detection), and gaps longer than ``max_gap`` frames are reported. The result is H36M-17,
in pixels and in normalised screen coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from liftformer.data.camera import normalize_screen_coordinates
from liftformer.data.layouts import JOINT_COUNTS, LAYOUT_NAMES, clear_layout, guess_layout, to_h36m
from liftformer.errors import DataError
from liftformer.inference.sources.keypoints import Keypoints2D, check_coordinates


@dataclass
class Prepared:
    """Model-ready keypoints: normalised H36M-17 (T, 17, 2), the H36M pixels and what was filled."""

    keypoints: np.ndarray
    pixels: np.ndarray
    filled: np.ndarray  # (T, 17) bool: interpolated or low-confidence rather than detected
    long_gaps: list[tuple[int, int]] = field(default_factory=list)  # [start, end) frames without a person
    notes: list[str] = field(default_factory=list)  # warnings for the user


def interpolate_frames(values: np.ndarray, bad: np.ndarray) -> np.ndarray:
    """A copy of (T, ...) ``values`` with the ``bad`` frames linearly interpolated, per coordinate, from the nearest
    good frames either side (held from the nearest at either end)."""
    out = np.array(values, dtype=np.float64, copy=True)
    if not bad.any():
        return out
    t = np.arange(len(out))
    flat = out.reshape(len(out), -1)
    good = ~bad
    for c in range(flat.shape[1]):
        flat[bad, c] = np.interp(t[bad], t[good], flat[good, c])
    return flat.reshape(out.shape)


def fill_gaps(pixels: np.ndarray, valid: np.ndarray, max_gap: int) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Linearly interpolate every joint across frames where it is not ``valid``.

    Returns the filled (T, J, 2) array and the [start, end) spans longer than ``max_gap`` frames
    in which no joint at all was detected. Raises if a joint is never detected.
    """
    t_len, joints = valid.shape
    out = np.array(pixels, dtype=np.float64)
    for j in range(joints):
        ok = valid[:, j]
        if not ok.any():
            raise ValueError(f"joint {j} is never detected")
        out[:, j] = interpolate_frames(out[:, j], ~ok)
    empty = np.asarray(~valid.any(1))
    gaps, start = [], None
    for t in range(t_len + 1):
        if t < t_len and empty[t]:
            start = t if start is None else start
        elif start is not None:
            if t - start > max_gap:
                gaps.append((start, t))
            start = None
    return out, gaps


def check_layout(pixels: np.ndarray, layout: str, where: str, forced: bool = False) -> None:
    """One-line DataError unless ``layout`` is known and fits (T, J, 2) ``pixels`` (NaN where missing): their joint
    count and, when ``forced`` (``--layout``), their clear geometry (H36M-17 keypoints forced as COCO-17, which has as
    many joints, would be converted into plausible garbage)."""
    expected = JOINT_COUNTS.get(layout)
    if expected is None:
        raise DataError(f"{where}: unknown layout {layout!r} (choose from {', '.join(JOINT_COUNTS)})")
    if pixels.shape[1] != expected:
        raise DataError(f"{where}: {pixels.shape[1]} joints per frame, but layout {layout} has {expected}")
    clear = clear_layout(pixels) if forced else None
    if clear is not None and clear[0] != layout:
        raise DataError(f"--layout {layout}: {where} holds {LAYOUT_NAMES[clear[0]]} keypoints, not {LAYOUT_NAMES[layout]}: "
                        f"{clear[1]}; drop --layout or pass --layout {clear[0]}")


def prepare_keypoints(
    kp: Keypoints2D,
    layout: str | None = None,
    width: int | None = None,
    height: int | None = None,
    min_score: float = 0.0,
    max_gap: int = 10,
) -> Prepared:
    """Clean, fill, convert to H36M-17 and normalise a :class:`Keypoints2D`. ``layout`` (``--layout``) overrides the
    file's and the guess; it must fit the joint count and not contradict the joints' clear geometry."""
    where, forced = kp.source or "keypoints", layout is not None
    width, height = kp.image_size(width, height)
    check_coordinates(kp.pixels, where)  # before any sum or mean could overflow (numpy warnings before the error)
    valid = kp.valid if kp.scores is None else kp.valid & (kp.scores > min_score)
    if not valid.any():
        raise DataError(f"{where}: no person detected in any frame")
    try:
        layout = layout or kp.layout or guess_layout(np.where(valid[..., None], kp.pixels, np.nan))  # absurd input: below
    except ValueError as e:
        raise DataError(f"{where}: {e}") from None
    check_layout(np.where(valid[..., None], kp.pixels, np.nan), layout, where, forced)
    confident = valid.copy()
    notes = []
    # a joint never above min_score but still located (e.g. legs out of frame: detectors guess
    # them with low confidence) is used as located rather than failing the whole sequence
    located = np.isfinite(kp.pixels).all(-1)
    rescued = ~valid.any(0) & located.any(0)
    if rescued.any():
        valid[:, rescued] = located[:, rescued]
        notes.append(f"joints {', '.join(map(str, np.flatnonzero(rescued)))} ({layout}) never reach confidence "
                     f"{min_score}: their low-confidence positions are used")
    try:
        filled, gaps = fill_gaps(kp.pixels, valid, max_gap)
    except ValueError as e:
        raise DataError(f"{where}: {e} (layout {layout})") from None
    scores = np.where(confident, 1.0, 0.0)[..., None]
    h36m = to_h36m(np.concatenate([filled, scores], -1), layout)
    pixels = h36m[..., :2]
    with np.errstate(over="ignore", invalid="ignore"):
        keypoints = normalize_screen_coordinates(pixels, width, height).astype(np.float32)
        pixels = pixels.astype(np.float32)
    if not (np.isfinite(keypoints).all() and np.isfinite(pixels).all()):
        raise DataError(f"{where}: keypoint coordinates too large to use (overflow); are they in pixels?")
    return Prepared(keypoints, pixels, h36m[..., 2] < 1.0, gaps, notes)
