"""Left/right swaps of a track's limbs (H36M-17 pixels), found from temporal consistency and checked against the torso.

Per limb group (legs, arms) a two-state Viterbi, state = "as detected" or "left and right exchanged". A
frame's cost is the constant-velocity residual ``x_t - 2 x_{t-1} + x_{t-2}`` of the group's joints under
the chosen states (in units of the track's own jitter, capped so one bad joint cannot dominate), plus a
small prior per exchanged frame, so ambiguous stretches stay as detected. Runs whose exchange lowers the
cost by at least ``clear`` are candidates for repair; weaker runs are only reported.

The torso then has the last word (:func:`swap_repairs`): where it faces the camera clearly, the hips and the
shoulders must agree on left and right (a body cannot twist that far). A repair that would make them
disagree in a frame where the detection had them agree is withdrawn there and reported: a whole-body mirror
(the detector seeing the back as the front) exchanges both groups together and is repaired as one event.

Last, each run's edges are peeled (:func:`peel_edges`): the Viterbi's second-order costs can start or end a run a
frame or two off the fault, exchanging a frame detected right. An edge frame stays exchanged only where,
exchanged, it lies clearly nearer the frame beside it (outside the run) than as detected; the frames where both
groups are exchanged (a whole-body mirror) are peeled together, on all their joints, so that a mirror is repaired
over the same frames for both or left alone.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

SWAP_GROUPS = {"legs": ((4, 5, 6), (1, 2, 3)), "arms": ((11, 12, 13), (14, 15, 16))}  # H36M-17 (left, right)
HIPS, SHOULDERS = (4, 1), (11, 14)  # H36M-17 (left, right)
CLEAR_TORSO = 0.15  # hips and shoulders this wide (of the pelvis-thorax length) in the image: the torso faces the camera
CLEAR_EDGE = 0.85  # a run's edge frame stays exchanged only if, exchanged, it is this much nearer its neighbour than as detected


@contextmanager
def quiet_warnings() -> Iterator[None]:
    """No RuntimeWarnings from reductions over frames without a detection."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def torso_facing(pixels: np.ndarray, detected: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per frame (T,): whether the torso faces the camera (or away) clearly — hips and shoulders both detected and
    each at least ``CLEAR_TORSO`` of the pelvis-to-thorax length wide in the image — and the left/right order
    (sign of x_left - x_right) of the hips and of the shoulders."""
    hips = pixels[:, HIPS[0], 0] - pixels[:, HIPS[1], 0]
    shoulders = pixels[:, SHOULDERS[0], 0] - pixels[:, SHOULDERS[1], 0]
    torso = np.linalg.norm(pixels[:, 8] - pixels[:, 0], axis=-1)
    seen = detected[:, list(HIPS + SHOULDERS)].all(1) & detected[:, [0, 8]].all(1)
    clear = seen & (np.abs(hips) > CLEAR_TORSO * torso) & (np.abs(shoulders) > CLEAR_TORSO * torso)
    return clear, np.sign(hips), np.sign(shoulders)


def torso_disagrees(pixels: np.ndarray, detected: np.ndarray) -> np.ndarray:
    """(T,) frames whose torso faces the camera clearly but whose hips and shoulders disagree on left and right: one
    limb group is exchanged (a body cannot twist that far)."""
    clear, hips, shoulders = torso_facing(pixels, detected)
    return clear & (hips != shoulders)


def robust_scale(residuals: np.ndarray, floor: float) -> float:
    """Per-axis jitter scale from residual norms (median of a 2D Gaussian's norm is 1.177 sigma)."""
    finite = residuals[np.isfinite(residuals)]
    return max(float(np.median(finite)) / 1.177 if finite.size else floor, floor)


def body_height(pixels: np.ndarray, detected: np.ndarray) -> float:
    """Median over frames of the detected joints' vertical extent, pixels (at least 1)."""
    y = np.where(detected, pixels[..., 1], np.nan)
    with np.errstate(all="ignore"), quiet_warnings():
        extent = np.nanmax(y, 1) - np.nanmin(y, 1)
    extent = extent[np.isfinite(extent)]
    return max(float(np.median(extent)) if extent.size else 1.0, 1.0)


def _swap_costs(x: np.ndarray, w: np.ndarray, sigma: float, cap: float) -> np.ndarray:
    """(T-2, 2, 2, 2) cost of states (s_{t-2}, s_{t-1}, s_t) for a group; ``x`` (2, T, K, 2) as detected / exchanged."""
    r = x[None, None, :, 2:] - 2 * x[None, :, None, 1:-1] + x[:, None, None, :-2]  # (a, b, c, T-2, K, 2)
    e = np.minimum((r**2).sum(-1) / sigma**2, cap**2)
    ok = w[2:] & w[1:-1] & w[:-2]
    return np.where(ok, e, 0.0).sum(-1).transpose(3, 0, 1, 2)


def _viterbi(cost: np.ndarray, prior: float) -> np.ndarray:
    """Lowest-cost 0/1 states (T,) for second-order costs (T-2, 2, 2, 2) and ``prior`` per state 1."""
    steps = len(cost)
    value = np.array([[0.0, prior], [prior, 2 * prior]])  # (s_0, s_1)
    back = np.zeros((steps, 2, 2), dtype=np.int8)
    penalty = np.array([0.0, prior])
    for t in range(steps):
        total = value[:, :, None] + cost[t]  # (a, b, c)
        back[t] = total.argmin(0)
        value = total.min(0) + penalty[None, :]
    states = np.zeros(steps + 2, dtype=np.int8)
    states[-2], states[-1] = np.unravel_index(int(value.argmin()), value.shape)
    for t in range(steps - 1, -1, -1):
        states[t] = back[t, states[t + 1], states[t + 2]]
    return states


def _path_cost(cost: np.ndarray, states: np.ndarray, prior: float) -> float:
    idx = np.arange(len(cost))
    return float(cost[idx, states[:-2], states[1:-1], states[2:]].sum() + prior * states.sum())


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of each run of True."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))


def find_swaps(
    pixels: np.ndarray, detected: np.ndarray, prior: float = 1.0, cap: float = 6.0, clear: float = 60.0, report: float = 10.0
) -> dict[str, list[tuple[int, int, bool]]]:
    """Left/right exchanges of H36M-17 ``pixels`` (T, 17, 2) per limb group: [start, end) and whether the
    evidence is clear (cost lowered by at least ``clear`` jitter² units; runs below ``report`` are dropped).
    ``detected`` (T, 17) marks real detections."""
    out: dict[str, list[tuple[int, int, bool]]] = {}
    if len(pixels) < 3:
        return {name: [] for name in SWAP_GROUPS}
    floor = 1e-3 * body_height(pixels, detected)
    for name, (left, right) in SWAP_GROUPS.items():
        order, swapped = list(left + right), list(right + left)
        x = np.stack([pixels[:, order], pixels[:, swapped]]).astype(np.float64)
        w = detected[:, order] & detected[:, swapped]
        r0 = np.linalg.norm(x[0, 2:] - 2 * x[0, 1:-1] + x[0, :-2], axis=-1)
        sigma = robust_scale(np.where(w[2:] & w[1:-1] & w[:-2], r0, np.nan), floor)
        cost = _swap_costs(x, w, sigma, cap)
        states = _viterbi(cost, prior)
        best = _path_cost(cost, states, prior)
        found = []
        for start, end in _runs(states == 1):
            undone = states.copy()
            undone[start:end] = 0
            margin = _path_cost(cost, undone, prior) - best
            if margin >= report:
                found.append((start, end, margin >= clear))
        out[name] = found
    return out




def swap_repairs(pixels: np.ndarray, detected: np.ndarray) -> tuple[dict[str, np.ndarray], list[tuple[int, int, bool, str]]]:
    """Which frames of each limb group to exchange back (``{group: (T,) bool}``) and what to report: (start, end,
    repaired, what) per run, "whole body" where the legs and the arms are exchanged over the same frames. Where the
    torso faces the camera clearly, one group exchanged alone must mend a disagreement of the hips and the shoulders,
    both exchanged together must leave them agreeing (a whole-body mirror), and where the detection has them
    disagree while both are exchanged, only the group with the longer run keeps its exchange; a run is withdrawn in
    the frames where the torso says otherwise, and in the frames without such evidence whose nearest evidence says so."""
    runs = find_swaps(pixels, detected)
    masks = {name: np.zeros(len(pixels), bool) for name in SWAP_GROUPS}
    for name, found in runs.items():
        for start, end, clear in found:
            masks[name][start:end] |= clear
    clear_torso, hips, shoulders = torso_facing(pixels, detected)
    agree = hips == shoulders  # as detected
    length = {name: _run_lengths(mask) for name, mask in masks.items()}
    withdrawn = {name: np.zeros(len(pixels), bool) for name in SWAP_GROUPS}
    for name, other in (("legs", "arms"), ("arms", "legs")):
        alone = masks[name] & ~masks[other]
        both = masks[name] & masks[other]
        # alone, an exchange must mend a twist; together with the other group it must keep an untwisted torso, and
        # where the detection was twisted (one group wrong) the longer of the two runs is the one that keeps it
        good = (alone & ~agree) | (both & agree) | (both & ~agree & (length[name] > length[other]))
        evidence = np.where(clear_torso & masks[name], np.where(good, 1, -1), 0)
        for start, end in _runs(masks[name]):
            withdrawn[name][start:end] = _nearest_evidence(evidence[start:end]) < 0  # frames without evidence: the nearest
    for name, mask in masks.items():
        mask &= ~withdrawn[name]
    peel_edges(pixels, detected, masks)
    report: list[tuple[int, int, bool, str]] = []
    body = {(start, end) for start, end, _ in runs["legs"]} & {(start, end) for start, end, _ in runs["arms"]}
    for name, found in runs.items():
        for start, end, clear in found:
            if (start, end) in body:
                if name == "legs":  # one event for both groups
                    report.append((start, end, bool(masks["legs"][start:end].any() and masks["arms"][start:end].any()), "whole body"))
                continue
            kept = bool(masks[name][start:end].any())
            what = name if not (clear and withdrawn[name][start:end].any()) else f"{name} (left as detected in "\
                f"{int(withdrawn[name][start:end].sum())} frames: the torso says otherwise)"
            report.append((start, end, kept, what))
    return masks, report


def _nearest_evidence(evidence: np.ndarray) -> np.ndarray:
    """Each frame's evidence (+1, -1, 0: none) filled from the nearest frame that has some (all 0 if none does)."""
    known = np.flatnonzero(evidence)
    if not len(known):
        return evidence
    nearest = known[np.abs(np.arange(len(evidence))[:, None] - known[None]).argmin(1)]
    return evidence[nearest]


def _run_lengths(mask: np.ndarray) -> np.ndarray:
    """(T,) the length of the run of True each frame belongs to (0 outside runs)."""
    out = np.zeros(len(mask), int)
    for start, end in _runs(mask):
        out[start:end] = end - start
    return out


def peel_edges(pixels: np.ndarray, detected: np.ndarray, masks: dict[str, np.ndarray]) -> None:
    """Withdraw, in place, the exchanges at the edges of each run of ``masks`` (``{group: (T,) bool}``) that the
    frame beside the run does not clearly confirm (:func:`_confirmed`): first where both groups are exchanged,
    peeled together on all their joints; then each group's runs on its own joints."""
    both = masks["legs"] & masks["arms"]
    limbs = [SWAP_GROUPS["legs"], SWAP_GROUPS["arms"]]
    whole = (sum((list(left) for left, _ in limbs), []), sum((list(right) for _, right in limbs), []))
    kept = _peeled(pixels, detected, both, whole)
    for mask in masks.values():
        mask &= ~(both & ~kept)
    for name, mask in masks.items():  # a whole-body repair kept above is not peeled again by one group
        mask[:] = _peeled(pixels, detected, mask, SWAP_GROUPS[name], both & kept)


def _peeled(pixels: np.ndarray, detected: np.ndarray, mask: np.ndarray, group: tuple, keep: np.ndarray | None = None) -> np.ndarray:
    """``mask`` with each run's edge frames dropped, from the outside in, until one is confirmed or unknown (or is in
    ``keep``)."""
    keep = np.zeros(len(mask), bool) if keep is None else keep
    out = mask.copy()
    left, right = group
    order, swapped = np.array(list(left) + list(right)), np.array(list(right) + list(left))
    for start, end in _runs(mask):
        s, e = start, end
        while s < e and not keep[s] and _confirmed(pixels, detected, s, s - 1, out, order, swapped) is False:
            out[s] = False
            s += 1
        while e > s and not keep[e - 1] and _confirmed(pixels, detected, e - 1, e, out, order, swapped) is False:
            out[e - 1] = False
            e -= 1
    return out


def _confirmed(pixels: np.ndarray, detected: np.ndarray, t: int, u: int, mask: np.ndarray, order: np.ndarray,
               swapped: np.ndarray) -> bool | None:
    """Whether frame ``t``, exchanged, lies clearly nearer frame ``u`` (in its state in ``mask``) than as detected
    (under ``CLEAR_EDGE`` of the distance, on the joints both frames have): True, False, or None where ``u`` is
    outside the track or no joint is shared (no evidence: the exchange stands)."""
    if not 0 <= u < len(pixels):
        return None
    ok = detected[t, order] & detected[t, swapped] & detected[u, order] & detected[u, swapped]
    if not ok.any():
        return None
    beside = pixels[u, swapped if mask[u] else order][ok]
    exchanged = np.linalg.norm(pixels[t, swapped][ok] - beside, axis=-1).mean()
    as_detected = np.linalg.norm(pixels[t, order][ok] - beside, axis=-1).mean()
    return bool(exchanged < CLEAR_EDGE * as_detected)
