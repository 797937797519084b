"""Precision and recall of swap and switch detection and repair on synthetic tracks (issue 14, item 2).

Synthetic walkers (``crossing_walkers``: walking poses projected to 2D, carried across the image
in opposite directions) with detector-like noise: Gaussian jitter on every joint, 1% of joints
missing, 0.5% of joints off by 15-40 px. Injected per trial, one kind at a time:

- ``swap 1 frame`` / ``swap 2-40 frames``: left and right exchanged in the legs, the arms or both;
- ``excursion 1-10 frames``: a single-person track holds the other walker for a few frames, then returns;
- ``jump for good``: a single-person track continues on the other walker (repair is not expected: reported only);
- ``switch, tracks``: two tracks (from the tracker) exchange their tails, near the crossing or elsewhere.

Detection: a finding (repaired or reported) on the injected frames (a switch within 2 frames).
Repair: the injected frames come back exactly as before (swaps: the pixels; excursions: exactly
those frames marked missing; tracks: every frame with its person). Precision counts findings
that match no injection as false.

    python3 benchmarks/hygiene_precision_recall.py --trials 200
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

from liftformer.data.synthetic import crossing_walkers
from liftformer.inference.tracks.hygiene import SWAP_GROUPS, check_track
from liftformer.inference.tracks.tracking import repair_tail_swaps, track_people

GROUPS = {name: (list(left + right), list(right + left)) for name, (left, right) in SWAP_GROUPS.items()}


def noisy(rng: np.random.Generator, frames: int, seed: int, jitter: float) -> tuple[np.ndarray, np.ndarray]:
    """Two walkers with jitter and glitches, and the detected mask (2, T, 17)."""
    walkers = crossing_walkers(frames, seed=seed, jitter=jitter)
    glitch = rng.random(walkers.shape[:3]) < 0.005
    walkers += glitch[..., None] * rng.uniform(15, 40, walkers.shape) * rng.choice([-1, 1], walkers.shape)
    return walkers, rng.random(walkers.shape[:3]) >= 0.01


def swap_trial(rng: np.random.Generator, seed: int, lengths: tuple[int, int], jitter: float) -> tuple[int, int, int, int]:
    """(events, detected, repaired, false findings) for 3 injected swaps of ``lengths`` frames."""
    walkers, detected = noisy(rng, 300, seed, jitter)
    clean, ok = walkers[0], detected[0]
    bad = clean.copy()
    events = []
    for slot in range(3):
        length = int(rng.integers(lengths[0], lengths[1] + 1))
        start = 20 + slot * 90 + int(rng.integers(0, 90 - 20 - length + 1))
        groups = [["legs"], ["arms"], ["legs", "arms"]][int(rng.integers(3))]
        for g in groups:
            order, swapped = GROUPS[g]
            bad[start:start + length, order] = clean[start:start + length, swapped]
        events.append((start, start + length, groups))
    pixels, _, report = check_track(bad, ok)
    hit = repaired = 0
    matched = set()
    for start, end, groups in events:
        mine = [i for i, f in enumerate(report.findings) if f.kind == "swap" and f.detail in groups and f.start < end and f.end > start]
        matched.update(mine)
        hit += bool(mine)
        cols = [j for g in groups for j in GROUPS[g][0]]
        repaired += bool(np.allclose(pixels[start:end, cols], clean[start:end, cols]))
    false = sum(1 for i, f in enumerate(report.findings) if i not in matched)
    return len(events), hit, repaired, false


def excursion_trial(rng: np.random.Generator, seed: int, jitter: float, permanent: bool) -> tuple[int, int, int, int]:
    walkers, detected = noisy(rng, 300, seed, jitter)
    track = walkers[0].copy()
    start = int(rng.integers(40, 250))
    end = 300 if permanent else start + int(rng.integers(1, 11))
    track[start:end] = walkers[1, start:end]
    _, ok, report = check_track(track, detected[0])
    switches = [f for f in report.findings if f.kind == "switch"]
    mine = [f for f in switches if abs(f.start - start) <= 2]
    repaired = (not permanent) and any(f.repaired and f.start == start and f.end == end for f in mine)
    return 1, bool(mine), bool(repaired), len(switches) - len(mine)


def tracks_trial(rng: np.random.Generator, seed: int, jitter: float, near_crossing: bool) -> tuple[int, int, int, int, int]:
    """(events, detected, repaired, false findings, tracker errors) for one tail exchange between two tracked walkers."""
    frames = 200
    walkers, _ = noisy(rng, frames, seed, jitter)
    hidden = range(95, 95 + int(rng.integers(0, 9)))  # walker 0 occluded 0-8 frames while crossing
    dets = []
    for t in range(frames):
        people = [p for p in (0, 1) if not (p == 0 and t in hidden)]
        rng.shuffle(people)
        dets.append(np.stack([np.concatenate([walkers[p, t], np.full((17, 1), 0.9)], 1) for p in people]))
    tracks = track_people(dets)
    tracker_errors = int(len(tracks) != 2 or not _owned(tracks, walkers))
    if tracker_errors:
        return 1, 0, 0, 0, 1
    cut = int(rng.integers(88, 112)) if near_crossing else int(rng.choice([int(rng.integers(20, 80)), int(rng.integers(120, 185))]))
    a, b = tracks
    ia, ib = int(np.searchsorted(a.frames, cut)), int(np.searchsorted(b.frames, cut))
    for name in ("frames", "points", "boxes"):
        la, lb = getattr(a, name), getattr(b, name)
        la[ia:], lb[ib:] = lb[ib:], la[ia:]
    findings = repair_tail_swaps(tracks)
    mine = [f for f in findings if abs(f.start - cut) <= 2]
    return 1, bool(mine), int(_owned(tracks, walkers)), len(findings) - len(mine), 0


def _owned(tracks, walkers: np.ndarray) -> bool:
    """Whether every track holds one walker's detections only."""
    for tr in tracks:
        owner = {int(np.argmin(np.abs(walkers[:, f] - p[:, :2]).sum((1, 2)))) for f, p in zip(tr.frames, tr.points)}
        if len(owner) != 1:
            return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--jitter", type=float, default=2.0, help="Gaussian jitter per joint, pixels (walkers ~450 px tall)")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    kinds = {
        "swap, 1 frame": lambda s: swap_trial(rng, s, (1, 1), args.jitter),
        "swap, 2-40 frames": lambda s: swap_trial(rng, s, (2, 40), args.jitter),
        "excursion, 1-10 frames": lambda s: excursion_trial(rng, s, args.jitter, False),
        "jump for good": lambda s: excursion_trial(rng, s, args.jitter, True),
        "switch, tracks, at the crossing": lambda s: tracks_trial(rng, s, args.jitter, True)[:4],
        "switch, tracks, elsewhere": lambda s: tracks_trial(rng, s, args.jitter, False)[:4],
    }
    print(f"{platform.processor() or platform.machine()}, numpy {np.__version__}; {args.trials} trials per kind, jitter {args.jitter} px")
    print(f"{'kind':34s} {'events':>6s} {'det. P':>7s} {'det. R':>7s} {'rep. P':>7s} {'rep. R':>7s}  s")
    for name, trial in kinds.items():
        t0 = time.perf_counter()
        events = hits = repaired = false = 0
        for seed in range(args.trials):
            e, h, r, f = trial(seed)
            events, hits, repaired, false = events + e, hits + h, repaired + r, false + f
        det_p = hits / max(hits + false, 1)
        rep = "    n/a     n/a" if name == "jump for good" else f"{repaired / max(hits + false, 1):7.3f} {repaired / events:7.3f}"
        print(f"{name:34s} {events:6d} {det_p:7.3f} {hits / events:7.3f} {rep}  {time.perf_counter() - t0:.1f}")


if __name__ == "__main__":
    main()
