"""Phantom bodies on real footage: what the plausibility checks drop, and what is left that should not be lifted.

On Pose2Sim's Demo_MultiPerson (the development clip: 4 cameras, two people) and on reproductions of the failures
built from it, the people chosen as ``lift --person all`` chooses them (tracking, the checks, the 2D the model
would take, after gap filling), with the body checks and without them (as before them). Per clip: person-frames
kept (detected, not filled), frames dropped by cause, and the frames that would be lifted while not a body by the
target's measure: the skeleton's extent (the larger of its width and height) over 1.5x its track's median extent,
or more than 4 joints outside the image. Reproductions (frames 30 on of one camera's video, written once):

- ``zoom``: cam01 frames 30-69 zoomed 3x about the frame's centre (both people cut by the frame, three times as
  large for 40 frames, as the back-flip's phantom was);
- ``flip``: cam02 frames 30-59 upside down (people as in a flip);
- ``leave``: cam04 from frame 30 on, the picture sliding left 60 px a frame (people leaving fast);
- ``cut``: cam03 frames 30-69 with the bottom 45% black (legs cut off).

    python benchmarks/plausibility.py [--demo .cache/pose2sim/Pose2Sim/Demo_MultiPerson] [--detector fused|blazepose]

Detections are cached in real_yardstick.py's ``--cache`` (CLIP/DETECTOR/VIDEO.npz; the reproductions' videos and
detections under ``Demo_MultiPerson-reproductions``), minutes on 2 cores the first time.
"""

from __future__ import annotations

import argparse
import platform
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from liftformer.inference.options import LiftOptions
from liftformer.inference.sources.bodies import CAUSES, MAX_GROWTH, MAX_OUTSIDE, extents
from liftformer.inference.sources.read import DETECTORS
from liftformer.inference.sources.video import iter_frames, probe_video
from liftformer.inference.tracks.prepare import prepare_keypoints
from liftformer.inference.tracks.tracking import select_people

sys.path.insert(0, str(Path(__file__).parent))
from real_yardstick import detections  # noqa: E402  (the yardstick's cache of the package's detections)

MIN_SCORE = 0.3  # lift's default


def zoom(frame: np.ndarray, t: int) -> np.ndarray:
    if not 30 <= t < 70:
        return frame
    h, w = frame.shape[:2]
    crop = frame[h // 3: h - h // 3, w // 3: w - w // 3]
    return np.repeat(np.repeat(crop, 3, 0), 3, 1)[:h, :w]


def flip(frame: np.ndarray, t: int) -> np.ndarray:
    return frame[::-1, ::-1] if 30 <= t < 60 else frame


def leave(frame: np.ndarray, t: int) -> np.ndarray:
    shift = max(0, t - 29) * 60
    out = np.zeros_like(frame)
    if shift < frame.shape[1]:
        out[:, : frame.shape[1] - shift] = frame[:, shift:]
    return out


def cut(frame: np.ndarray, t: int) -> np.ndarray:
    if not 30 <= t < 70:
        return frame
    out = frame.copy()
    out[int(0.55 * len(frame)):] = 0
    return out


REPRODUCTIONS: dict[str, tuple[str, Callable[[np.ndarray, int], np.ndarray]]] = {
    "zoom": ("cam01", zoom), "flip": ("cam02", flip), "leave": ("cam04", leave), "cut": ("cam03", cut)}


def reproduction(demo: Path, name: str, out: Path) -> Path:
    """The reproduction ``name``'s video (written once)."""
    import imageio.v2 as imageio

    path = out / f"{name}.mp4"
    if not path.is_file():
        camera, change = REPRODUCTIONS[name]
        source = demo / "videos" / f"{camera}.mp4"
        with imageio.get_writer(path, fps=probe_video(source).fps, codec="libx264", quality=8, macro_block_size=1) as writer:
            for t, frame in enumerate(iter_frames(source)):
                writer.append_data(np.ascontiguousarray(change(frame, t)))
    return path


def measure(kp, check: bool) -> dict:
    """Person-frames kept, drops by cause (from the notes) and frames not a body among those lifted."""
    selection = select_people(kp, "all", 1, min_score=MIN_SCORE, check_bodies=check)
    kept = bad = lifted = 0
    for _, person in selection.people:
        prepared = prepare_keypoints(person, None, None, None, MIN_SCORE)
        sizes = extents(prepared.pixels)
        x, y = prepared.pixels[..., 0], prepared.pixels[..., 1]
        outside = ((x < 0) | (x > kp.width) | (y < 0) | (y > kp.height)).sum(-1)
        bad += int(((sizes > MAX_GROWTH * np.median(sizes)) | (outside > MAX_OUTSIDE)).sum())
        kept += int(person.valid.any(-1).sum())
        lifted += len(sizes)
    drops = {cause: selection.dropped.get(cause, 0) for cause in CAUSES}
    return {"kept": kept, "lifted": lifted, "bad": bad, "tracks": len(selection.people), "drops": drops}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--demo", default=".cache/pose2sim/Pose2Sim/Demo_MultiPerson")
    p.add_argument("--detector", default=LiftOptions.detector, choices=tuple(DETECTORS))
    p.add_argument("--cache", default=".cache/yardstick", help="real_yardstick.py's cache of detections (CLIP/DETECTOR/VIDEO.npz)")
    args = p.parse_args()
    demo, cache = Path(args.demo), Path(args.cache)
    if not (demo / "videos").is_dir():
        print(f"skipped: no Demo_MultiPerson in {demo} (see benchmarks/real_yardstick.py's docstring)")
        return
    made = cache / f"{demo.name}-reproductions"
    made.mkdir(parents=True, exist_ok=True)
    clips = {cam: (demo.name, demo / "videos" / f"{cam}.mp4") for cam in ("cam01", "cam02", "cam03", "cam04")}
    clips |= {name: (made.name, reproduction(demo, name, made)) for name in REPRODUCTIONS}
    print(f"{platform.processor() or platform.machine()}; {demo.name}, detector {args.detector}, min score {MIN_SCORE}")
    print("| clip | tracks (before → after) | person-frames kept (before → after) | frames lifted not a body (before → after) | "
          + " | ".join(f"dropped: {text}" for text in CAUSES.values()) + " |")
    print("| --- " * (4 + len(CAUSES)) + "|")
    totals = np.zeros(4, dtype=int)
    for name, (clip, video) in clips.items():
        kp = detections(video, probe_video(video), cache, clip, args.detector)
        before, after = measure(kp, False), measure(kp, True)
        totals += [before["kept"], after["kept"], before["bad"], after["bad"]]
        print(f"| {name} | {before['tracks']} → {after['tracks']} | {before['kept']} → {after['kept']} | "
              f"{before['bad']} → {after['bad']} | "
              + " | ".join(str(after["drops"][c]) for c in CAUSES) + " |")
    print(f"| **all** | | {totals[0]} → {totals[1]} | {totals[2]} → {totals[3]} |" + " |" * len(CAUSES))


if __name__ == "__main__":
    main()
