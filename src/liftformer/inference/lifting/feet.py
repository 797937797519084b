"""Feet on the floor: per-frame contact flags, the foot-skate measure, and a clean-up that pins planted feet.

Everything works in a clip's upright world frame (:mod:`liftformer.inference.lifting.ground`: y up, the
floor at y = 0), on the ankles of H36M-17 poses. A foot is in contact while its ankle is low (within
``CONTACT_HEIGHT`` of its own 10th-percentile height over the clip, which absorbs the floor fit's offset)
and slow (horizontal speed under ``CONTACT_SPEED``). Foot skate is the horizontal travel of an ankle
between two consecutive frames in which it is in contact, in mm per frame.

:func:`pin_feet` moves only the root: each frame it takes back the horizontal step of the feet planted
in this frame and the one before (the mean over those feet), so a planted foot stays put. The summed
correction is high-passed (its Gaussian average over ``PIN_RECENTRE_S`` seconds removed), so the path
keeps following the 2D over longer spans. Root-relative poses, bone lengths and MPJPE are unchanged.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter1d

ANKLES = (3, 6)  # H36M-17: right, left
CONTACT_HEIGHT = 0.05  # metres above the ankle's low height over the clip
CONTACT_SPEED = 0.5  # metres per second, horizontal
PIN_RECENTRE_S = 1.0  # seconds: the correction's slow part, given back to the measured path


def _horizontal_steps(ankles: np.ndarray) -> np.ndarray:
    """(T, F) horizontal distance each ankle moved since the frame before (0 for the first frame)."""
    steps = np.linalg.norm(np.diff(ankles[..., [0, 2]], axis=0), axis=-1)
    return np.concatenate([np.zeros((1, ankles.shape[1])), steps])


def foot_contacts(world: np.ndarray, fps: float) -> np.ndarray:
    """(T, 2) bool: right and left foot in contact in each frame of world-frame poses (T, 17, 3)."""
    ankles = np.asarray(world, dtype=np.float64)[:, list(ANKLES)]
    height = ankles[..., 1]
    low = height < np.percentile(height, 10, axis=0) + CONTACT_HEIGHT
    speed = _horizontal_steps(ankles) * fps
    speed[0] = speed[1] if len(speed) > 1 else 0.0
    return low & (speed < CONTACT_SPEED)


def foot_skate(world: np.ndarray, contacts: np.ndarray) -> float:
    """Mean horizontal ankle travel (mm) between consecutive frames in which that foot is in contact; NaN if never."""
    steps = _horizontal_steps(np.asarray(world, dtype=np.float64)[:, list(ANKLES)])
    both = contacts[1:] & contacts[:-1]
    return float(1000.0 * steps[1:][both].mean()) if both.any() else float("nan")


def pin_feet(world: np.ndarray, contacts: np.ndarray, fps: float) -> np.ndarray:
    """World-frame poses (T, 17, 3) with the root moved so that planted feet stay put (module docstring)."""
    world = np.asarray(world, dtype=np.float64)
    ankles = world[:, list(ANKLES)][..., [0, 2]]  # (T, 2 feet, x z)
    planted = (contacts[1:] & contacts[:-1]).astype(np.float64)  # (T-1, 2)
    step = np.diff(ankles, axis=0)  # (T-1, 2, 2)
    count = planted.sum(1, keepdims=True)
    correction = -(step * planted[..., None]).sum(1) / np.maximum(count, 1.0)  # (T-1, 2): undo the planted feet's step
    total = np.concatenate([np.zeros((1, 2)), np.cumsum(correction, axis=0)])
    if len(total) > 1:
        total = total - gaussian_filter1d(total, PIN_RECENTRE_S * fps, axis=0, mode="nearest")
    out = world.copy()
    out[..., 0] += total[:, None, 0]
    out[..., 2] += total[:, None, 1]
    return out
