"""``liftformer lift``: 3D poses from a video or a 2D keypoint file, offline or streaming."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, ClassVar, TextIO

import numpy as np

from liftformer.cli.options import (
    add_runtime_arguments,
    non_negative_float,
    non_negative_int,
    positive_float,
    positive_int,
    probability,
    silence_stdout,
)
from liftformer.errors import DataError
from liftformer.inference.options import LiftOptions, torch_threads


@dataclasses.dataclass(frozen=True)
class OutputPlan:
    """Every file a run will write; checked before any work."""

    npz: Path
    json: Path | None = None
    csv: Path | None = None
    render: Path | None = None
    orbit: float = 0.0  # degrees per second the render's 3D view turns (0: fixed)
    bvh: Path | None = None
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


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("lift", help="lift a video or a 2D keypoint file to 3D poses")
    p.add_argument("input", help="a video (.mp4 .avi .mov …; needs the [video] extra), a keypoint file "
                   "(.npz VideoPose3D custom, .json COCO-style, .csv, .npy (T, J, 2|3)), or a webcam index with --stream")
    add_lift_arguments(p)
    p.add_argument("--stream", action="store_true", help="causal model, one frame at a time; prints a JSON line per frame")
    p.set_defaults(func=run)


def add_lift_arguments(p: argparse.ArgumentParser) -> None:
    """Flags of ``lift``."""
    p.add_argument("--out", default=None, help="output .npz (default: INPUT_STEM_3d.npz in the current directory)")
    p.add_argument("--json", action="store_true", help="also write the poses as JSON")
    p.add_argument("--csv", action="store_true", help="also write the poses as CSV")
    p.add_argument("--render", default=None, help="write a side-by-side render to this .mp4 or .gif (the 2D used on the video | 3D)")
    p.add_argument("--bvh", default=None, metavar="OUT.bvh", help="also write the motion as BVH (Y up, metres, fixed root)")
    p.add_argument("--orbit", type=non_negative_float, default=0.0, metavar="DEG_PER_S",
                   help="turn the render's 3D view about the vertical at this many degrees per second (default 0: a fixed view)")
    p.add_argument("--verbose", action="store_true", help="let the detector (MediaPipe/TFLite) print its own log lines")
    p.add_argument("--layout", choices=("h36m", "coco", "mpii", "blazepose"), default=None,
                   help="keypoint layout (default: from the file, else guessed from the joints)")
    p.add_argument("--width", type=positive_int, default=None, help="image width in pixels (keypoint files without it)")
    p.add_argument("--height", type=positive_int, default=None, help="image height in pixels")
    p.add_argument("--fps", type=positive_float, default=None, help="frame rate (default: from the file/video, else 50)")
    p.add_argument("--min-score", type=probability, default=0.3,
                   help="keypoints at or below this confidence count as missing (0-1)")
    p.add_argument("--max-gap", type=non_negative_int, default=10, help="report runs of more frames than this without a person")
    p.add_argument("--person", default="largest", metavar="ID|largest|all",
                   help="with several people per frame (JSON lists): a track id, the largest (default: largest mean box "
                   "area x frames) or all (one output per id, OUT_person<ID>.npz …)")
    p.add_argument("--no-flip", action="store_true", help="no flip test-time augmentation (2x faster)")
    add_runtime_arguments(p, checkpoint="shipped", batch_size=256, device=False, batch_help="windows per forward pass (offline)",
                          threads_help="torch intra-op threads (default: 1 with --stream, which keeps latency flat on a busy CPU; "
                          "else torch's)")


def lift_options(args: argparse.Namespace) -> LiftOptions:
    """The :class:`LiftOptions` in ``args`` (a command without a flag gets the default)."""
    given = {f.name: getattr(args, f.name) for f in dataclasses.fields(LiftOptions) if hasattr(args, f.name)}
    return LiftOptions(**given, flip=not getattr(args, "no_flip", False))


def run(args: argparse.Namespace) -> int:
    from liftformer.inference.outputs import output_paths
    from liftformer.inference.video import VIDEO_SUFFIXES, is_webcam

    source = args.input
    webcam = args.stream and is_webcam(source)
    is_video = webcam or Path(source).suffix.lower() in VIDEO_SUFFIXES
    options = lift_options(args)
    paths = output_paths(args.out or f"{Path(source).stem}_3d.npz", args.json, args.csv)
    plan = OutputPlan(paths["npz"], paths.get("json"), paths.get("csv"), Path(args.render) if args.render else None, args.orbit,
                      Path(args.bvh) if args.bvh else None)
    plan.check({"input": None if webcam else source, "--checkpoint": options.checkpoint})
    if args.verbose:  # detector.py quiets MediaPipe's glog and TFLite unless these are set
        os.environ.update(GLOG_minloglevel="0", TF_CPP_MIN_LOG_LEVEL="0")
    from liftformer.inference.native_logs import quiet_native_logs

    with torch_threads(options.thread_count(args.stream)):
        if args.stream:
            with quiet_native_logs(is_video and not args.verbose):
                return _stream(source, options, plan, is_video, webcam)
        if is_video:
            from liftformer.inference.detector import detect_video

            with quiet_native_logs(not args.verbose):
                kp = detect_video(source)
        return lift_people(kp if is_video else source, options, plan, frames_from=source if is_video else None)


def lift_people(source, options: LiftOptions, plan: OutputPlan, frames_from: str | None = None) -> int:
    """Choose whom to lift (``options.person``; a keypoint file with several people per frame is tracked), print the
    tracking notes, check every person's outputs, then lift each person separately (one set of files per id)."""
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
        return lift_and_save(selection.people[0][1], options, plan, frames_from, model)
    plans = [plan.for_person(person or 1) for person, _ in selection.people]
    for each in plans:
        each.check({"input": source if isinstance(source, str) else None, "--checkpoint": options.checkpoint})
    for each, (_, kp) in zip(plans, selection.people):
        lift_and_save(kp, options, each, frames_from, model)
    return 0


def lift_and_save(kp, options: LiftOptions, plan: OutputPlan, frames_from: str | None = None, model=None) -> int:
    """Prepare keypoints, repair what hygiene finds, lift them with ``model`` (default: the chosen one), write the
    outputs (checked by the caller) and print where."""
    from liftformer.data.skeleton import H36M_17
    from liftformer.inference.hygiene import apply_hygiene
    from liftformer.inference.keypoints import prepare_keypoints
    from liftformer.inference.lifting import lift_sequence
    from liftformer.inference.pretrained import load_model

    t0 = time.perf_counter()
    prepared = prepare_keypoints(kp, options.layout, options.width, options.height, options.min_score, options.max_gap)
    width, height = kp.image_size(options.width, options.height)
    prepared, hygiene = apply_hygiene(prepared, width, height, kp.frames, options.max_gap)
    print(hygiene.summary(kp.source), file=sys.stderr)
    model = model or load_model(options.checkpoint)
    if len(prepared.keypoints) < model.config.receptive_field:
        print(f"warning: {kp.source or 'the input'} has {len(prepared.keypoints)} frames, fewer than the model's "
              f"{model.config.receptive_field}-frame window: lifted with edge padding (less reliable)", file=sys.stderr)
    flip = (H36M_17, H36M_17) if options.flip else None
    poses = lift_sequence(model, prepared.keypoints, batch_size=options.batch_size, flip=flip)
    cfg = model.config
    print(f"lifted {len(poses)} frames in {time.perf_counter() - t0:.1f} s with a {model.num_parameters() / 1e6:.2f}M-parameter, "
          f"n={cfg.receptive_field} {'causal ' if cfg.causal else ''}{type(model).__name__}", flush=True)
    fps = options.fps or kp.fps or 50.0
    _report_gaps(prepared.notes, prepared.filled, prepared.long_gaps, fps, "interpolated")
    _write_outputs(plan, poses, prepared.pixels, prepared.filled, fps, kp.frames, sys.stdout)
    if plan.render:
        size = kp.image_size(options.width, options.height)
        first = 0 if kp.frames is None else int(kp.frames[0])
        _render(plan, poses, prepared.pixels, size, fps, frames_from, first, sys.stdout)
    return 0


def _report_gaps(notes: list[str], filled: np.ndarray, long_gaps: list[tuple[int, int]], fps: float, how: str) -> None:
    """Warnings, missing keypoints and long runs without a person, on stderr; ``how`` they were filled."""
    for note in notes:
        print(f"warning: {note}", file=sys.stderr)
    count = int(filled.any(1).sum())
    if count:
        print(f"{how} missing keypoints in {count} of {len(filled)} frames", file=sys.stderr)
    for start, end in long_gaps:
        print(f"warning: no person in frames {start}-{end - 1} ({(end - start) / fps:.1f} s): poses there are {how}",
              file=sys.stderr)


def _write_outputs(plan: OutputPlan, poses, pixels, filled, fps: float, frames, log: TextIO) -> None:
    """Write npz, JSON, CSV and BVH, naming each on ``log`` as soon as it exists."""
    from liftformer.inference.bvh import save_bvh
    from liftformer.inference.outputs import save_csv, save_json, save_npz

    save_npz(plan.npz, poses, pixels, filled, fps, frames)
    print(f"wrote {plan.npz}", file=log, flush=True)
    if plan.json:
        save_json(plan.json, poses, pixels, fps, frames)
        print(f"wrote {plan.json}", file=log, flush=True)
    if plan.csv:
        save_csv(plan.csv, poses, frames)
        print(f"wrote {plan.csv}", file=log, flush=True)
    if plan.bvh:
        save_bvh(plan.bvh, poses, fps)  # lifted poses are complete: nothing to fill
        print(f"wrote {plan.bvh}", file=log, flush=True)


def _render(plan: OutputPlan, poses, pixels, size: tuple[int, int], fps: float, video: str | None, first: int, log: TextIO) -> None:
    """Render ``plan.render`` from input frame ``first`` on (over ``video``'s frames when given), with a
    frames/s progress bar on stderr when it is a terminal. GIFs are drawn 480 pixels high (they are large)."""
    from itertools import islice

    from liftformer.inference.render import render_frames, write_video

    frames = None
    if video is not None:
        from liftformer.inference.video import iter_frames

        frames = islice(iter_frames(video), first, None)
    path = plan.render
    if path is None:
        return
    height = 480 if path.suffix.lower() == ".gif" else None
    images = render_frames(poses, pixels, size, frames=frames, fps=fps, height=height, orbit=plan.orbit, first_frame=first)
    if sys.stderr.isatty():
        from tqdm import tqdm

        images = tqdm(images, total=len(poses), desc="render", unit="frame", file=sys.stderr)
    write_video(images, path, fps)
    print(f"wrote {path}", file=log, flush=True)


def _stream(source: str, options: LiftOptions, plan: OutputPlan, is_video: bool, webcam: bool) -> int:
    """Causal lifting frame by frame: a JSON line per pose on stdout as soon as it is ready; files after.

    Ctrl-C ends the stream (the only way to end a webcam's): what was streamed is still saved, exit 130.
    So does a reader that closes stdout (``| head``), exit 141 as for SIGPIPE.
    """
    from liftformer.inference.outputs import rounded
    from liftformer.inference.pretrained import load_model
    from liftformer.inference.streaming import KeypointStream, StreamResult, keypoint_file_source, video_source

    model = load_model(options.checkpoint, causal=True)
    src = video_source(source, options) if is_video else keypoint_file_source(source, options)
    stream = KeypointStream(model, src.layout, src.image_size, options.min_score, options.max_gap, options.flip)
    results: list[StreamResult] = []
    latencies: list[float] = []
    interrupted: int | None = None  # the exit status of an early end
    try:
        for points in src.frames:
            t0 = time.perf_counter()
            result = stream.push(points)
            if result is None:
                continue
            latencies.append(time.perf_counter() - t0)
            if not results and result.frame:
                print(f"warning: no pose for input frames 0-{result.frame - 1} ({result.frame} frames): streaming starts "
                      "once every joint has been seen; poses keep their input frame numbers", file=sys.stderr)
            results.append(result)
            print(json.dumps({"frame": result.frame, "latency_ms": round(1000 * latencies[-1], 2),
                              "pose_3d": rounded(result.pose, 4), "filled": np.flatnonzero(result.filled).tolist()}),
                  flush=True)
    except KeyboardInterrupt:
        interrupted = 130
        print(f"interrupted after {stream.frames} frames: saving what was streamed", file=sys.stderr)
    except BrokenPipeError:
        interrupted = 141
        silence_stdout()
        print(f"stdout closed after {stream.frames} frames: saving what was streamed", file=sys.stderr)
    finally:
        src.frames.close()  # releases the detector
    stream.finish()
    if not results:
        if interrupted:
            return interrupted
        raise DataError(f"{source}: no pose in {stream.frames} frames (no person with every joint located)")
    filled = np.stack([r.filled for r in results])
    _report_gaps(stream.notes, filled, stream.long_gaps, src.fps, "held")
    ms = 1000 * np.array(latencies)
    print(f"streamed {len(results)} frames: lifting latency median {np.median(ms):.2f} ms, p95 {np.percentile(ms, 95):.2f} ms "
          f"per frame", file=sys.stderr)
    poses, pixels = np.stack([r.pose for r in results]), np.stack([r.pixels for r in results])
    frames = np.array([r.frame for r in results])
    _write_outputs(plan, poses, pixels, filled, src.fps, frames, sys.stderr)  # stdout carries only JSON lines
    if plan.render:
        video = None if webcam or not is_video else source
        _render(plan, poses, pixels, src.image_size, src.fps, video, int(frames[0]), sys.stderr)
    return interrupted or 0
