"""Lifted frames whose bones are not the person's own, replaced by their neighbours.

A person's bones keep their lengths. A lifted frame whose skeleton, summed over its bones, is far from the median
lengths of the same person's lifted track is a pose that contradicts the body the rest of the clip shows (the
lifter folded or stretched it, most often after a 2D detection it could not read). :func:`bone_deviation` measures
each frame as the sum over the bones of how far each is from its median length, over the sum of the median lengths
(0.25: a quarter of the skeleton's length misplaced); :func:`replace_implausible` puts in the frames over
``MAX_DEVIATION`` the pose interpolated in 3D from the nearest frames either side that are not, and marks them
filled. Frames that pass are never changed. Lengths, not ratios: a short bone (the neck, a hip) that varies by a
third moves a pose little, and a ratio measure flagged good poses for it.

The limit was chosen on Human3.6M's training subjects with real Stacked Hourglass detections
(``benchmarks/bone_check.py``): no pose within 100 mm of the truth goes over it there; on the test subjects 0.06% of
frames do, the lifter's worst (about 400 mm), and none within 100 mm. Pure numpy.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from liftformer.inference.tracks.prepare import interpolate_frames

MAX_DEVIATION = 0.25  # a frame's summed |bone - the track's median bone| over the summed medians, over which it is replaced
MIN_FRAMES = 10  # a track shorter than this has no median body to hold its frames to


def bone_lengths(poses: np.ndarray, parents: Sequence[int]) -> np.ndarray:
    """(T, B) the length of each bone (child to parent, every joint with a parent) of (T, J, 3) ``poses``."""
    poses = np.asarray(poses, dtype=np.float64)
    children = [j for j, p in enumerate(parents) if p >= 0]
    return np.linalg.norm(poses[:, children] - poses[:, [parents[j] for j in children]], axis=-1)


def bone_deviation(poses: np.ndarray, parents: Sequence[int]) -> np.ndarray:
    """(T,) each frame's summed absolute difference of its :func:`bone_lengths` from the median lengths of the same
    bones over the (T, J, 3) ``poses``, over the summed medians; NaN where no bone has a length."""
    bones = bone_lengths(poses, parents)
    median = np.median(bones, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.abs(bones - median).sum(axis=-1) / median.sum()


def implausible_frames(poses: np.ndarray, parents: Sequence[int], limit: float = MAX_DEVIATION) -> np.ndarray:
    """(T,) bool: the frames whose :func:`bone_deviation` is over ``limit`` (none in a track of fewer than
    ``MIN_FRAMES`` frames, or where that would leave fewer than two)."""
    deviation = bone_deviation(poses, parents)
    bad = ~(deviation <= limit)  # NaN (a bone of no length) is not a body either
    if len(bad) < MIN_FRAMES or (~bad).sum() < 2:
        return np.zeros(len(bad), dtype=bool)
    return bad


def replace_implausible(poses: np.ndarray, filled: np.ndarray, parents: Sequence[int],
                        limit: float = MAX_DEVIATION) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(poses with the :func:`implausible_frames` interpolated, ``filled`` (T, J) with those frames marked, the
    frames' mask (T,)). Poses keep their dtype; nothing is changed when no frame is implausible."""
    bad = implausible_frames(poses, parents, limit)
    if not bad.any():
        return poses, filled, bad
    fixed = interpolate_frames(poses, bad).astype(np.asarray(poses).dtype)
    marked = np.array(filled, dtype=bool, copy=True)
    marked[bad] = True
    return fixed, marked, bad
