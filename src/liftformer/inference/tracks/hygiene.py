"""Track hygiene: left/right swaps and identity switches, found from temporal consistency.

- **Left/right swaps** (per limb group: legs, arms): :mod:`liftformer.inference.tracks.swaps` (a Viterbi
  per group, checked against the torso: no repair may make a clearly facing torso's hips and shoulders
  disagree; a whole-body mirror is one event).
- **Identity switches inside a track** (a single-person detector jumping to someone else): frames
  where most joints leave the robust constant-velocity prediction together (by more than the
  jitter and a fraction of the body height), or where the bone lengths change at once. A jump
  away and back within ``max_foreign`` frames, to a pose that continues the one before, is
  repaired (those frames become missing and are interpolated); any other jump is reported.
- **Identity switches between tracks**: :mod:`liftformer.inference.tracks.tail_swaps`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from liftformer.data.camera import normalize_screen_coordinates
from liftformer.data.skeleton import H36M_17
from liftformer.inference.tracks.prepare import Prepared, fill_gaps
from liftformer.inference.tracks.swaps import SWAP_GROUPS, body_height, quiet_warnings, robust_scale, swap_repairs, torso_disagrees

__all__ = ["SWAP_GROUPS", "Finding", "HygieneReport", "apply_hygiene", "check_track", "find_switches", "torso_disagrees"]

@dataclass(frozen=True)
class Finding:
    """One swap or switch: frames [start, end) of the input, whether it was repaired, and what."""

    kind: str  # "swap" or "switch"
    start: int
    end: int
    repaired: bool
    detail: str = ""  # limb group, or what was done

    def describe(self) -> str:
        frames = f"frame {self.start}" if self.end - self.start <= 1 else f"frames {self.start}-{self.end - 1}"
        return f"{self.detail} {frames}" if self.kind == "swap" else f"{frames}: {self.detail}"


@dataclass
class HygieneReport:
    """What :func:`check_track` (or the tracker) found and repaired."""

    findings: list[Finding] = field(default_factory=list)

    def summary(self, who: str = "") -> str:
        """One line: repaired and reported swaps and switches, with their frames."""
        parts = []
        for repaired, verb in ((True, "repaired"), (False, "reported (not repaired)")):
            for kind, name in (("swap", "left/right swap"), ("switch", "identity switch")):
                found = [f for f in self.findings if f.kind == kind and f.repaired == repaired]
                if found:
                    shown = ", ".join(f.describe() for f in found[:6]) + (", …" if len(found) > 6 else "")
                    parts.append(f"{verb} {len(found)} {name}{'es' if kind == 'switch' and len(found) > 1 else ''}"
                                 f"{'s' if kind == 'swap' and len(found) > 1 else ''} ({shown})")
        body = "; ".join(parts) if parts else "no left/right swaps or identity switches found"
        return f"hygiene{' ' + who if who else ''}: {body}"


def _invariant(pixels: np.ndarray, detected: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points a left/right exchange leaves in place: the centre joints and the mid-point of each pair."""
    centre = [j for j in range(H36M_17.num_joints) if j not in H36M_17.joints_left + H36M_17.joints_right]
    left, right = list(H36M_17.joints_left), list(H36M_17.joints_right)
    points = np.concatenate([pixels[:, centre], 0.5 * (pixels[:, left] + pixels[:, right])], 1)
    return points, np.concatenate([detected[:, centre], detected[:, left] & detected[:, right]], 1)


def _bone_lengths(pixels: np.ndarray) -> np.ndarray:
    """(T, B) 2D bone lengths, each averaged with its mirror image (unchanged by a left/right exchange)."""
    bones = np.array([(c, p) for c, p in enumerate(H36M_17.parents) if p >= 0])
    perm = H36M_17.flip_permutation
    mirror = [int(np.flatnonzero((bones[:, 0] == perm[c]) & (bones[:, 1] == perm[p]))[0]) for c, p in bones]
    length = np.linalg.norm(pixels[:, bones[:, 0]] - pixels[:, bones[:, 1]], axis=-1)
    return 0.5 * (length + length[:, mirror])


def _jump_frames(pixels: np.ndarray, detected: np.ndarray, k: int, noise: float, fraction: float) -> np.ndarray:
    """Frames t whose body (points unchanged by left/right swaps) leaves the robust prediction
    ``x_{t-1} + median velocity`` with most points at once, or whose bone lengths change at once."""
    points, ok = _invariant(pixels, detected)
    x = np.where(ok[..., None], points, np.nan).astype(np.float64)
    t_len = len(x)
    if t_len < k + 2:
        return np.zeros(t_len, bool)
    with np.errstate(all="ignore"), quiet_warnings():
        v_med = np.nanmedian(sliding_window_view(np.diff(x, axis=0), k, axis=0), -1)  # (T-k, P, 2): v[s..s+k-1]
        resid = np.nanmedian(np.linalg.norm(x[k + 1:] - x[k:-1] - v_med[:-1], axis=-1), -1)
        log_length = np.log(_bone_lengths(np.where(detected[..., None], pixels, np.nan)))
        ref = np.nanmedian(sliding_window_view(log_length, k, axis=0), -1)  # (T-k+1, B): frames s..s+k-1
        change = np.nanmedian(np.abs(log_length[k:] - ref[:-1]), -1)
    height = body_height(pixels, detected)
    thr = max(noise * robust_scale(resid, 1e-3 * height), fraction * height)
    jumps = np.zeros(t_len, bool)
    jumps[k + 1:] = np.nan_to_num(resid, nan=0.0) > thr
    jumps[k:] |= np.nan_to_num(change, nan=0.0) > 0.25  # bone lengths a quarter off at once: another body
    return jumps


def find_switches(
    pixels: np.ndarray, detected: np.ndarray, max_foreign: int = 10, k: int = 5, noise: float = 10.0, fraction: float = 0.15
) -> list[tuple[int, int, bool]]:
    """Identity switches inside one H36M-17 track: [start, end) and whether it is a clear, repairable
    excursion (a jump away and back within ``max_foreign`` frames to a pose that continues the one
    before); an unrepairable jump at frame t is (t, t + 1, False)."""
    detected = detected.copy()
    jumps = np.flatnonzero(_jump_frames(pixels, detected, k, noise, fraction))
    height = body_height(pixels, detected)
    found, i = [], 0
    while i < len(jumps):
        a = int(jumps[i])
        back = next((int(b) for b in jumps[i + 1:] if b - a <= max_foreign and _continues(pixels, detected, a, int(b), height)), None)
        if back is None:
            found.append((a, a + 1, False))
            i += 1
            continue
        found.append((a, back, True))
        detected[a:back] = False  # the foreign frames no longer steer the predictions after them
        jumps = np.flatnonzero(_jump_frames(pixels, detected, k, noise, fraction))
        i = int(np.searchsorted(jumps, back))
    return found


def _continues(pixels: np.ndarray, detected: np.ndarray, a: int, b: int, height: float, k: int = 5) -> bool:
    """Whether the body at frame ``b`` continues the one at ``a - 1`` moving at its median velocity of the
    ``k`` frames before (most points within 0.1 body heights)."""
    if a <= k:
        return False
    rows = list(range(a - k - 1, a)) + [b]
    points, ok = _invariant(pixels[rows], detected[rows])
    use = ok.all(0)
    if use.sum() < 3:
        return False
    velocity = np.median(np.diff(points[:-1, use], axis=0), axis=0)
    gap = np.linalg.norm(points[-1, use] - points[-2, use] - velocity * (b - a + 1), axis=-1)
    return bool(np.median(gap) < 0.1 * height)


def check_track(
    pixels: np.ndarray, detected: np.ndarray, frames: np.ndarray | None = None, max_foreign: int = 10
) -> tuple[np.ndarray, np.ndarray, HygieneReport]:
    """Repair what is clear in one H36M-17 track: exchanged limbs back, short foreign excursions marked missing.

    Returns repaired pixels (T, 17, 2), the detected mask (T, 17) with foreign frames removed, and the
    report (frames numbered by ``frames``, the input frame of each row; default 0, 1, …).
    """
    pixels, detected = np.array(pixels, dtype=np.float64), np.array(detected, dtype=bool)
    index = np.arange(len(pixels)) if frames is None else np.asarray(frames)
    report = HygieneReport()
    for start, end, clear in find_switches(pixels, detected, max_foreign):
        if clear:
            detected[start:end] = False
        detail = "another person, interpolated" if clear else "sudden jump, another person from here?"
        report.findings.append(Finding("switch", int(index[start]), int(index[end - 1]) + 1, clear, detail))
    masks, swaps = swap_repairs(pixels, detected)
    for name, mask in masks.items():
        left, right = SWAP_GROUPS[name]
        order, swapped = np.array(left + right), np.array(right + left)
        pixels[np.ix_(mask, order)] = pixels[np.ix_(mask, swapped)]
        detected[np.ix_(mask, order)] = detected[np.ix_(mask, swapped)]
    for start, end, repaired, what in swaps:
        report.findings.append(Finding("swap", int(index[start]), int(index[end - 1]) + 1, repaired, what))
    report.findings.sort(key=lambda f: f.start)
    return pixels, detected, report


def apply_hygiene(prepared: Prepared, width: int, height: int, frames: np.ndarray | None = None,
                  max_gap: int = 10) -> tuple[Prepared, HygieneReport]:
    """:func:`check_track` on prepared keypoints: repaired, re-interpolated and re-normalised (``width``,
    ``height``: the image size); excursions up to ``max_gap`` frames long count as repairable."""
    pixels, detected, report = check_track(prepared.pixels, ~prepared.filled, frames, max_gap)
    if not any(f.repaired for f in report.findings):
        return prepared, report
    filled, _ = fill_gaps(pixels, detected, max_gap)  # foreign frames and their neighbours, from real detections
    keypoints = normalize_screen_coordinates(filled, width, height).astype(np.float32)
    return replace(prepared, keypoints=keypoints, pixels=filled.astype(np.float32), filled=prepared.filled | ~detected), report
