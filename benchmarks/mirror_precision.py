#!/usr/bin/env python3
"""Frame-level precision and recall of the left/right swap repair (issue 25, item 2).

Synthetic walkers (the package's synthetic walk projected by a pinhole camera, ~450 px tall) with 2 px
jitter, 1% of joints missing and 0.5% off by 15-40 px, and one kind of fault per trial:

- ``whole-body mirror``: the detector sees the back as the front for 1-12 frames: legs and arms exchanged together;
- ``legs only`` / ``arms only``: one limb group exchanged for 1-40 frames;
- ``turning, no fault``: the walker turns round (180 degrees over the clip) and nothing is injected: every
  frame the repair exchanges is wrong.

A frame counts once per limb group. Precision: the exchanged (group, frame) pairs that undo an injected
exchange, over all exchanged pairs (a wrongly exchanged frame counts against it); recall: over all injected
pairs. Also: frames left with the hips' and the shoulders' left/right order disagreeing where the torso
faces the camera clearly (in the injected frames of a whole-body mirror they agree, and must still after).

    python3 benchmarks/mirror_precision.py --trials 200
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

from liftformer.data.camera import project_to_2d_linear
from liftformer.data.synthetic import _rotation, synthetic_motion
from liftformer.inference.tracks.hygiene import SWAP_GROUPS, check_track
from liftformer.inference.tracks.swaps import torso_disagrees

GROUPS = {name: (list(left + right), list(right + left)) for name, (left, right) in SWAP_GROUPS.items()}
FRAMES = 200


def walker(seed: int, turn: float) -> np.ndarray:
    """(T, 17, 2) pixels of a walker whose heading turns by ``turn`` radians over the clip, 5 m away."""
    rng = np.random.default_rng(seed)
    body = synthetic_motion(FRAMES, seed=seed)
    start = rng.uniform(0, 2 * np.pi)
    headings = start + np.linspace(0, turn, FRAMES)
    body = np.stack([b @ _rotation((0.0, 1.0, 0.0), h).T for b, h in zip(body, headings)])
    cam = body * np.array([1.0, -1.0, 1.0]) + np.array([0.0, 0.0, 5.0])
    return project_to_2d_linear(cam, np.array([1150.0, 1150.0]), np.array([500.0, 500.0]))


def trial(rng: np.random.Generator, seed: int, kind: str) -> tuple[int, int, int, int, int]:
    """(injected pairs, exchanged pairs, correct exchanged pairs, disagreeing frames after, disagreeing before)."""
    clean = walker(seed, np.pi if kind == "turning" else 0.0) + rng.normal(scale=2.0, size=(FRAMES, 17, 2))
    glitch = rng.random((FRAMES, 17)) < 0.005
    clean += glitch[..., None] * rng.uniform(15, 40, clean.shape) * rng.choice([-1, 1], clean.shape)
    detected = rng.random((FRAMES, 17)) >= 0.01
    bad = clean.copy()
    injected = np.zeros((FRAMES, len(GROUPS)), bool)
    if kind != "turning":
        groups = {"whole-body mirror": ["legs", "arms"], "legs only": ["legs"], "arms only": ["arms"]}[kind]
        for slot in range(2):
            length = int(rng.integers(1, 13 if kind == "whole-body mirror" else 41))
            start = 20 + slot * 90 + int(rng.integers(0, 70 - length))
            for g in groups:
                order, swapped = GROUPS[g]
                bad[start:start + length, order] = clean[start:start + length, swapped]
                injected[start:start + length, list(GROUPS).index(g)] = True
    pixels, _, _ = check_track(bad, detected)
    exchanged = np.stack([~np.isclose(pixels[:, GROUPS[g][0]], bad[:, GROUPS[g][0]]).all((1, 2)) for g in GROUPS], 1)
    correct = exchanged & injected
    return (int(injected.sum()), int(exchanged.sum()), int(correct.sum()), int(torso_disagrees(pixels, detected).sum()),
            int(torso_disagrees(clean, detected).sum()))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trials", type=int, default=200)
    args = p.parse_args()
    rng = np.random.default_rng(0)
    print(f"{platform.processor() or platform.machine()}, numpy {np.__version__}; {args.trials} trials per kind, {FRAMES} frames each")
    print("| fault | injected (group, frame) pairs | exchanged | precision | recall | clear-torso frames left disagreeing "
          "(in the clean track) |\n| --- | ---: | ---: | ---: | ---: | ---: |")
    for kind in ("whole-body mirror", "legs only", "arms only", "turning"):
        t0 = time.perf_counter()
        total = np.zeros(5, int)
        for seed in range(args.trials):
            total += np.array(trial(rng, seed, kind))
        injected, exchanged, correct, after, before = total
        precision = correct / exchanged if exchanged else float("nan")
        recall = correct / injected if injected else float("nan")
        print(f"| {kind} | {injected} | {exchanged} | {precision:.4f} | {recall:.4f} | {after} ({before}) |"
              f"  {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
