"""The offline lifting job: choose whom to lift, repair, lift, write every output, render.

``lift_people`` is what ``liftformer lift`` (not ``--stream``) and ``liftformer demo`` run; the CLI
parses flags and builds the :class:`OutputPlan`. Progress and notes go to stderr, the names of
written files to stdout (``log``).
"""

from __future__ import annotations

import dataclasses
import sys
import time
from itertools import islice
from pathlib import Path
from typing import Any, ClassVar, TextIO

import numpy as np

from liftformer.inference.keypoints import Keypoints2D
from liftformer.inference.options import LiftOptions


@dataclasses.dataclass(frozen=True)
class OutputPlan:
    """Every file a run will write; checked before any work."""

    npz: Path
    json: Path | None = None
    csv: Path | None = None
    render: Path | None = None
    orbit: float = 0.0  # degrees per second the render's 3D view turns (0: fixed)
    bvh: Path | None = None
    bvh_scale: float = 1.0  # BVH units per metre (100: centimetres)
    FILES: ClassVar[tuple[str, ...]] = ("npz", "json", "csv", "render", "bvh")

    def check(self, inputs: dict[str, str | None], labels: dict[str, str] | None = None) -> None:
        """One-line error unless every output is writable and none is an input or another output;
        ``labels`` name each output (npz, json, csv, render, bvh) as the user gave it."""
        from liftformer.fileio import check_outputs
        from liftformer.inference.bvh import check_bvh_path
        from liftformer.inference.render import check_render_path

        if self.render is not None:
            check_render_path(self.render)
        if self.bvh is not None:
            check_bvh_path(self.bvh)
        labels = {"npz": "--out", "json": "--json", "csv": "--csv", "render": "--render", "bvh": "--bvh", **(labels or {})}
        paths = {name: getattr(self, name) for name in self.FILES}
        check_outputs({labels[name]: path for name, path in paths.items() if path is not None}, inputs)

    def for_person(self, person: int) -> OutputPlan:
        """The same outputs with ``_person<ID>`` before each suffix: one set per person when several are lifted."""
        from liftformer.inference.outputs import with_person

        renamed: dict[str, Any] = {n: with_person(getattr(self, n), person) for n in self.FILES if getattr(self, n) is not None}
        return dataclasses.replace(self, **renamed)


@dataclasses.dataclass(frozen=True)
class Lifted:
    """One person's lifted clip: poses (T, J, 3), the 2D used (T, J, 2), which joints were filled (T, J), the
    input frame numbers (None: 0..T-1), frame rate and image size."""

    poses: np.ndarray
    pixels: np.ndarray
    filled: np.ndarray
    frames: np.ndarray | None
    fps: float
    size: tuple[int, int]

    @property
    def first(self) -> int:
        return 0 if self.frames is None else int(self.frames[0])


def lift_people(source: str | Keypoints2D, options: LiftOptions, plan: OutputPlan, frames_from: str | None = None,
                log: TextIO | None = None) -> int:
    """Choose whom to lift (``options.person``; input with several people per frame is tracked), print the
    tracking notes, check every person's outputs, lift each person separately (one set of files per id),
    then render everyone into the one ``plan.render``. Written files are named on ``log`` (default stdout)."""
    from liftformer.inference.hygiene import HygieneReport
    from liftformer.inference.pretrained import load_model
    from liftformer.inference.tracking import select_people

    model = load_model(options.checkpoint)
    selection = select_people(source, options.person, model.config.receptive_field, min_score=options.min_score)
    for note in selection.notes:
        print(note, file=sys.stderr)
    if selection.findings:
        print(HygieneReport(selection.findings).summary("tracks"), file=sys.stderr)
    if len(selection.people) == 1:
        return lift_and_save(selection.people[0][1], options, plan, frames_from, model, log)
    plans = [dataclasses.replace(plan.for_person(person or 1), render=None) for person, _ in selection.people]
    for each in plans:
        each.check({"input": source if isinstance(source, str) else None, "--checkpoint": options.checkpoint})
    clips = []
    for each, (_, kp) in zip(plans, selection.people):
        clips.append(lift_person(kp, options, model, log))
        write_outputs(each, clips[-1], log)
    if plan.render:
        render_output(plan, clips, frames_from, log)
    return 0


def lift_and_save(kp: Keypoints2D, options: LiftOptions, plan: OutputPlan, frames_from: str | None = None,
                  model: Any = None, log: TextIO | None = None) -> int:
    """Lift one person (:func:`lift_person`), write the outputs (checked by the caller) and render; print where."""
    from liftformer.inference.pretrained import load_model

    clip = lift_person(kp, options, model or load_model(options.checkpoint), log)
    write_outputs(plan, clip, log)
    if plan.render:
        render_output(plan, [clip], frames_from, log)
    return 0


def lift_person(kp: Keypoints2D, options: LiftOptions, model: Any, log: TextIO | None = None) -> Lifted:
    """Prepare one person's keypoints, repair what hygiene finds, lift them with ``model``; notes on stderr."""
    from liftformer.data.skeleton import H36M_17
    from liftformer.inference.hygiene import apply_hygiene
    from liftformer.inference.keypoints import prepare_keypoints
    from liftformer.inference.lifting import lift_sequence

    t0 = time.perf_counter()
    prepared = prepare_keypoints(kp, options.layout, options.width, options.height, options.min_score, options.max_gap)
    size = kp.image_size(options.width, options.height)
    prepared, hygiene = apply_hygiene(prepared, size[0], size[1], kp.frames, options.max_gap)
    print(hygiene.summary(kp.source), file=sys.stderr)
    if len(prepared.keypoints) < model.config.receptive_field:
        print(f"warning: {kp.source or 'the input'} has {len(prepared.keypoints)} frames, fewer than the model's "
              f"{model.config.receptive_field}-frame window: lifted with edge padding (less reliable)", file=sys.stderr)
    flip = (H36M_17, H36M_17) if options.flip else None
    poses = lift_sequence(model, prepared.keypoints, batch_size=options.batch_size, flip=flip)
    cfg = model.config
    print(f"lifted {len(poses)} frames in {time.perf_counter() - t0:.1f} s with a {model.num_parameters() / 1e6:.2f}M-parameter, "
          f"n={cfg.receptive_field} {'causal ' if cfg.causal else ''}{type(model).__name__}", file=log or sys.stdout,
          flush=True)
    fps = options.fps or kp.fps or 50.0
    report_gaps(prepared.notes, prepared.filled, prepared.long_gaps, fps, "interpolated")
    return Lifted(poses, prepared.pixels, prepared.filled, kp.frames, fps, size)


def report_gaps(notes: list[str], filled: np.ndarray, long_gaps: list[tuple[int, int]], fps: float, how: str) -> None:
    """Warnings, missing keypoints and long runs without a person, on stderr; ``how`` they were filled."""
    for note in notes:
        print(f"warning: {note}", file=sys.stderr)
    count = int(filled.any(1).sum())
    if count:
        print(f"{how} missing keypoints in {count} of {len(filled)} frames", file=sys.stderr)
    for start, end in long_gaps:
        print(f"warning: no person in frames {start}-{end - 1} ({(end - start) / fps:.1f} s): poses there are {how}",
              file=sys.stderr)


def write_outputs(plan: OutputPlan, clip: Lifted, log: TextIO | None = None) -> None:
    """Write npz, JSON, CSV and BVH, naming each on ``log`` (default stdout) as soon as it exists."""
    log = log or sys.stdout
    from liftformer.inference.bvh import save_bvh
    from liftformer.inference.outputs import save_csv, save_json, save_npz

    save_npz(plan.npz, clip.poses, clip.pixels, clip.filled, clip.fps, clip.frames)
    print(f"wrote {plan.npz}", file=log, flush=True)
    if plan.json:
        save_json(plan.json, clip.poses, clip.pixels, clip.fps, clip.frames)
        print(f"wrote {plan.json}", file=log, flush=True)
    if plan.csv:
        save_csv(plan.csv, clip.poses, clip.frames)
        print(f"wrote {plan.csv}", file=log, flush=True)
    if plan.bvh:
        save_bvh(plan.bvh, clip.poses, clip.fps, scale=plan.bvh_scale)  # lifted poses are complete: nothing to fill
        print(f"wrote {plan.bvh}", file=log, flush=True)


def on_common_frames(clips: list[Lifted]) -> tuple[np.ndarray, np.ndarray, int]:
    """Several people's clips on one timeline: (P, T, J, 3) poses and (P, T, J, 2) pixels, NaN where a person
    is absent, and the input frame number of the first row."""
    first = min(c.first for c in clips)
    last = max(c.first + len(c.poses) - 1 if c.frames is None else int(c.frames[-1]) for c in clips)
    poses = np.full((len(clips), last - first + 1) + clips[0].poses.shape[1:], np.nan)
    pixels = np.full((len(clips), last - first + 1) + clips[0].pixels.shape[1:], np.nan)
    for p, c in enumerate(clips):
        rows = (np.arange(len(c.poses)) + c.first if c.frames is None else np.asarray(c.frames, dtype=np.int64)) - first
        poses[p, rows], pixels[p, rows] = c.poses, c.pixels
    return poses, pixels, first


def render_output(plan: OutputPlan, clips: list[Lifted], video: str | None, log: TextIO | None = None) -> None:
    """Render everyone in ``clips`` into ``plan.render`` from the first lifted input frame on (over ``video``'s
    frames when given), with a frames/s progress bar on stderr when it is a terminal. GIFs are drawn 480 pixels
    high (they are large)."""
    from liftformer.inference.render import render_frames, write_video

    path = plan.render
    if path is None:
        return
    if len(clips) == 1:
        poses, pixels, first = clips[0].poses, clips[0].pixels, clips[0].first
    else:
        poses, pixels, first = on_common_frames(clips)
    frames = None
    if video is not None:
        from liftformer.inference.video import iter_frames

        frames = islice(iter_frames(video), first, None)
    fps, size = clips[0].fps, clips[0].size
    height = 480 if path.suffix.lower() == ".gif" else None
    images = render_frames(poses, pixels, size, frames=frames, fps=fps, height=height, orbit=plan.orbit, first_frame=first)
    if sys.stderr.isatty():
        from tqdm import tqdm

        images = tqdm(images, total=poses.shape[-3], desc="render", unit="frame", file=sys.stderr)
    write_video(images, path, fps)
    print(f"wrote {path}", file=log or sys.stdout, flush=True)
