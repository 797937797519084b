"""Identity switches between two tracks: tails that continue the other track's past better than their own.

Used by :mod:`liftformer.inference.tracks.tracking` after tracking, as the safety net of the assignment:
each track's body centre is extrapolated linearly from its last frames and compared with both
tracks' next frames; the frame of an exchange is the one that leaves both trajectories smoothest.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def find_tail_swaps(
    a: tuple[np.ndarray, np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray, np.ndarray],
    k: int = 5, near: float = 1.5, ratio: float = 0.3, minimum: float = 0.05,
) -> list[tuple[int, bool]]:
    """Frames t from which two tracks' tails look exchanged, and whether clearly so.

    ``a`` and ``b``: each track's (frames (n,), body centres (n, 2), body sizes (n,)). Where both are
    close (within ``near`` sizes), or one reappears, jumps or changes size, each track's last ``k``
    centres are extrapolated linearly to the times of the next ``k`` of both; a swap is suspected
    where the crossed continuations fit better than the own ones (by ``ratio``) and the own ones miss
    by ``minimum`` body sizes; it is clear at half that ratio and twice that miss. The frame of the
    swap is the one that leaves both centre trajectories smoothest.
    """
    (fa, ca, sa), (fb, cb, sb) = a, b
    both, ia, ib = np.intersect1d(fa, fb, return_indices=True)
    close = np.linalg.norm(ca[ia] - cb[ib], axis=-1) < near * np.minimum(sa[ia], sb[ib])
    candidates = np.union1d(np.union1d(fa[_odd(fa, ca, sa)], fb[_odd(fb, cb, sb)]), both[close])

    def misses(t: int) -> tuple[float, float] | None:
        i, j = int(np.searchsorted(fa, t)), int(np.searchsorted(fb, t))
        if min(i, j) < k or i + k > len(fa) or j + k > len(fb):
            return None
        fits = [_line(fa[i - k:i], ca[i - k:i]), _line(fb[j - k:j], cb[j - k:j])]
        tails = [(fa[i:i + k], ca[i:i + k]), (fb[j:j + k], cb[j:j + k])]
        size = [float(np.median(sa[i - k:i])), float(np.median(sb[j - k:j]))]
        miss = [[float(np.mean(np.linalg.norm(tail - fit(when), axis=-1))) / size[x] for when, tail in tails]
                for x, fit in enumerate(fits)]
        return miss[0][0] + miss[1][1], miss[0][1] + miss[1][0]

    found: list[tuple[int, bool]] = []
    for t in candidates:
        score = misses(int(t))
        if score is None or not (score[1] < ratio * score[0] and score[0] > minimum):
            continue
        if found and t - found[-1][0] <= 2 * k:
            continue
        nearby = np.union1d(fa, fb)
        t = min(nearby[abs(nearby - t) <= k], key=lambda u: _roughness(a, b, int(u)))
        score = misses(int(t)) or score
        found.append((int(t), bool(score[1] < 0.5 * ratio * score[0] and score[0] > 2 * minimum)))
    return found


def _roughness(a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...], t: int, k: int = 5) -> float:
    """Sum of both centre trajectories' accelerations (in body sizes) near ``t`` with their tails exchanged at ``t``."""
    total = 0.0
    for head, tail in ((a, b), (b, a)):
        keep = (head[0] < t) & (head[0] >= t - k - 2)
        take = (tail[0] >= t) & (tail[0] < t + k + 2)
        frames, centres = np.concatenate([head[0][keep], tail[0][take]]), np.concatenate([head[1][keep], tail[1][take]])
        sizes = np.concatenate([head[2][keep], tail[2][take]])
        steady = np.diff(frames, 2) == 0  # evenly spaced triples
        steady &= np.diff(frames)[1:] <= 1
        accel = np.linalg.norm(centres[2:] - 2 * centres[1:-1] + centres[:-2], axis=-1) / sizes[1:-1]
        total += float(accel[steady].sum())
    return total


def _odd(frames: np.ndarray, centres: np.ndarray, sizes: np.ndarray, jump: float = 0.2) -> np.ndarray:
    """(n,) observations after a gap, or whose centre leaves the constant-velocity prediction or whose
    size changes by more than ``jump`` (a fraction of the body size)."""
    odd = np.diff(frames, prepend=frames[0] - 1) > 1
    accel = np.linalg.norm(centres[2:] - 2 * centres[1:-1] + centres[:-2], axis=-1)
    odd[2:] |= accel > jump * sizes[1:-1]
    odd[1:] |= np.abs(np.log(sizes[1:] / sizes[:-1])) > jump
    return odd


def _line(frames: np.ndarray, points: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """Least-squares straight line through (frame, point) pairs, as a function of frames."""
    t = frames - frames.mean()
    slope = (t[:, None] * (points - points.mean(0))).sum(0) / max(float((t**2).sum()), 1e-9)
    return lambda when: points.mean(0) + slope * (np.asarray(when, dtype=np.float64)[:, None] - frames.mean())
