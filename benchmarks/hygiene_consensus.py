#!/usr/bin/env python3
"""Does hygiene ever make a good pose worse? Left and right per limb group against the 4-view consensus.

On a Pose2Sim clip (default Demo_MultiPerson; see real_yardstick.py), each camera's people as ``lift --person all``
chooses them (tracking, the body checks) are prepared for the model before and after hygiene (the left/right
repair; :func:`liftformer.inference.tracks.hygiene.apply_hygiene`). Each track frame a detection was made in is
paired with the triangulated person it is (real_yardstick.assign), and per limb group (legs, arms) the detection's
left and right are read against that person's reprojection: mirrored, right, or undecided (a side view, where
left and right nearly coincide). Counted per camera and group: the group-frames mirrored as detected, those
hygiene exchanged rightly (repaired), wrongly (a right group made wrong: the figure that must be 0), and the
mirrored ones it left. Detections come from real_yardstick.py's cache (``--cache``, ``--detector``).

    python benchmarks/hygiene_consensus.py [--demo DIR] [--detector fused|blazepose] [--cache .cache/yardstick]
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import platform
import sys
from contextlib import redirect_stderr
from pathlib import Path

import numpy as np

from liftformer.inference.options import LiftOptions
from liftformer.inference.sources.read import DETECTORS
from liftformer.inference.tracks.hygiene import apply_hygiene
from liftformer.inference.tracks.prepare import prepare_keypoints
from liftformer.inference.tracks.swaps import SWAP_GROUPS
from liftformer.inference.tracks.tracking import select_people

sys.path.insert(0, str(Path(__file__).parent))
from real_yardstick import CLEAR, assign, clip_reference, projection_matrix, reproject  # noqa: E402


def side(seen: np.ndarray, pixels: np.ndarray, group: tuple) -> bool | None:
    """Whether a limb ``group``'s joints in (17, 2) ``pixels`` have left and right exchanged against the reprojection
    ``seen``: True / False when clear (under ``CLEAR`` of the other reading's distance), None when undecided."""
    left, right = group
    order, swapped = list(left + right), list(right + left)
    as_is = float(np.linalg.norm(seen[order] - pixels[order], axis=-1).mean())
    exchanged = float(np.linalg.norm(seen[order] - pixels[swapped], axis=-1).mean())
    if exchanged < CLEAR * as_is:
        return True
    return False if as_is < CLEAR * exchanged else None


def camera_tracks(cam, view, truth: np.ndarray, people: list[int], options: LiftOptions) -> list[tuple]:
    """One camera's prepared tracks (before hygiene) paired with the reference: per track (H36M pixels (T, 17, 2),
    detected rows (T,), image size, input frames, {row: the person's reprojection (17, 2)})."""
    matrix = projection_matrix(cam)[None]
    with redirect_stderr(io.StringIO()):
        selection = select_people(view, "all", 1, min_score=options.min_score)
        tracks, out = [], []
        for pid, kp in selection.people:
            prepared = prepare_keypoints(kp, None, None, None, options.min_score, options.max_gap)
            frames = np.arange(len(prepared.pixels)) if kp.frames is None else np.asarray(kp.frames)
            tracks.append((pid or 1, frames, None, prepared.pixels, None, None))
            out.append((prepared, kp.valid.any(-1), kp.image_size(), kp.frames, {}))
    for (k, row), person in assign(cam, truth, tracks, people).items():
        if out[k][1][row]:  # a frame tracking filled in has nothing detected to repair
            out[k][4][row] = reproject(matrix, truth[int(tracks[k][1][row]), person])[0]
    return out


def tally(counts: dict[str, np.ndarray], before: np.ndarray, after: np.ndarray, seen: dict[int, np.ndarray]) -> None:
    """Add one track's group-frames to ``counts`` (per group: [mirrored as given to hygiene, exchanged rightly,
    exchanged wrongly, mirrored left, undecided]): ``before`` / ``after`` hygiene, ``seen`` the reference by row."""
    for row, reference in seen.items():
        for name, group in SWAP_GROUPS.items():
            mirrored = side(reference, before[row], group)
            exchanged = side(before[row], after[row], group)  # hygiene's output is the input with the group exchanged
            c = counts[name]
            if mirrored is None:
                c[4] += 1
                continue
            c[0] += mirrored
            c[1] += bool(exchanged) and mirrored
            c[2] += bool(exchanged) and not mirrored
            c[3] += mirrored and not exchanged


def camera_counts(tracks: list[tuple], trials: int = 0, seed: int = 0) -> dict[str, np.ndarray]:
    """Per group, [mirrored, exchanged rightly, exchanged wrongly, mirrored left, undecided] over a camera's tracks as
    detected (``trials`` 0) or, ``trials`` times per track, with one fault injected: a whole-body mirror of 1-8
    frames, or the legs or the arms alone exchanged for 1-12 frames, somewhere in the track."""
    counts = {name: np.zeros(5, dtype=int) for name in SWAP_GROUPS}
    rng = np.random.default_rng(seed)
    for prepared, _, size, frames, seen in tracks:
        for _ in range(max(trials, 1)):
            pixels = prepared.pixels.copy()
            if trials:
                kind = rng.choice(["whole body", "legs", "arms"])
                length = int(rng.integers(1, 9 if kind == "whole body" else 13))
                start = int(rng.integers(0, max(len(pixels) - length, 1)))
                for name in (SWAP_GROUPS if kind == "whole body" else [kind]):
                    left, right = SWAP_GROUPS[name]
                    pixels[start:start + length, list(left + right)] = prepared.pixels[start:start + length, list(right + left)]
            given = dataclasses.replace(prepared, pixels=pixels)
            after, _ = apply_hygiene(given, size[0], size[1], frames, LiftOptions.max_gap)
            tally(counts, pixels, after.pixels, seen)
    return counts


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--demo", default=".cache/pose2sim/Pose2Sim/Demo_MultiPerson")
    p.add_argument("--cache", default=".cache/yardstick")
    p.add_argument("--detector", choices=tuple(DETECTORS), default=LiftOptions.detector)
    p.add_argument("--inject", type=int, default=0, metavar="N",
                   help="also N trials per track with one fault injected (a whole-body mirror, the legs or the arms exchanged)")
    args = p.parse_args()
    if not Path(args.demo, "videos").is_dir():
        print(f"skipped: no Pose2Sim clip in {args.demo} (see real_yardstick.py's docstring)")
        return
    clip, cams, views, truth, people = clip_reference(Path(args.demo), Path(args.cache), args.detector)
    print(f"{platform.processor() or platform.machine()}; {clip.name}, detector {args.detector}; group-frames detected, "
          "left and right against the reference's reprojection")
    tracks = [camera_tracks(cam, view, truth, people, LiftOptions()) for cam, view in zip(cams, views)]
    for trials in sorted({0, args.inject}):
        what = "as detected" if not trials else f"with one fault injected, {trials} trials per track"
        print(f"\n{what}\n\n| camera | group | mirrored as given | exchanged rightly (repaired) | exchanged wrongly (made wrong) | "
              "mirrored, left | undecided (side view) |\n|" + " --- |" * 7)
        total = np.zeros(5, dtype=int)
        for cam, camera in zip(cams, tracks):
            for name, c in camera_counts(camera, trials).items():
                total += c
                print(f"| {cam.name} | {name} | " + " | ".join(str(int(v)) for v in c) + " |")
        print("| **all** | | " + " | ".join(f"**{int(v)}**" for v in total) + " |")


if __name__ == "__main__":
    main()
