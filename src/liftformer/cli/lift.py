"""``liftformer lift``: 3D poses from a video or a 2D keypoint file, offline or streaming."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path

import numpy as np

from liftformer.cli.options import (
    add_runtime_arguments,
    field_of_view,
    focal_length,
    image_side,
    non_negative_float,
    non_negative_int,
    person_choice,
    positive_float,
    positive_int,
    probability,
    silence_stdout,
    statures,
)
from liftformer.errors import DataError, plural
from liftformer.inference.options import DEFAULT_FOV, LiftOptions, torch_threads
from liftformer.inference.sources.read import DETECTORS
from liftformer.inference.writers.plan import OutputPlan

BVH_UNITS = {"m": 1.0, "cm": 100.0}  # --bvh-units: BVH lengths per metre


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("lift", help="lift a video or a 2D keypoint file to 3D poses")
    p.add_argument("input", help="a video (.mp4 .avi .mov …; needs the [video] extra), a keypoint file "
                   "(.npz VideoPose3D custom, .json COCO-style, .csv, .npy (T, J, 2|3)), or a webcam index with --stream")
    add_lift_arguments(p)
    p.add_argument("--stream", action="store_true", help="causal model, one frame at a time; prints a JSON line per frame")
    p.set_defaults(func=run)


def add_lift_arguments(p: argparse.ArgumentParser, stream: bool = True) -> None:
    """Flags of ``lift`` (``stream``: their help mentions ``--stream``, which ``batch`` has not)."""
    p.add_argument("--out", default=None,
                   help="output .npz (default: INPUT_STEM_3d.npz in the current directory; --json/--csv write siblings)")
    p.add_argument("--json", action="store_true", help="also write the poses as JSON")
    p.add_argument("--csv", action="store_true", help="also write the poses as CSV")
    p.add_argument("--render", default=None, help="write a side-by-side render to this .mp4 or .gif (the 2D used on the video | 3D)")
    p.add_argument("--bvh", default=None, metavar="OUT.bvh",
                   help="also write the motion as BVH (Y up, the floor fitted to the feet at Y=0, the root travelling)")
    p.add_argument("--bvh-units", choices=tuple(BVH_UNITS), default="m",
                   help="BVH length unit: m (default; Blender's import scale 1) or cm (MotionBuilder and most game tools)")
    p.add_argument("--angles", default=None, metavar="OUT.csv",
                   help="also write joint and segment angles (degrees, a row per frame; also put in the npz, the JSON and each "
                   "--stream line): knee, hip, elbow, shoulder, trunk, pelvis and Sports2D's segments; no ankle or wrist "
                   "(Human3.6M-17 has no feet or hands). In the floor-fitted world frame; with --no-trajectory and in "
                   "--stream lines, the camera taken as upright")
    p.add_argument("--angles-plot", default=None, metavar="OUT.png",
                   help="also plot the main angles over time, the feet's contact phases shaded")
    p.add_argument("--trc", default=None, metavar="OUT.trc",
                   help="also write OpenSim's marker file: a marker at each joint, metres, Y up from the fitted floor, the "
                   "root's path included, the video's rate (readable by OpenSim and Pose2Sim)")
    p.add_argument("--orbit", type=non_negative_float, default=0.0, metavar="DEG_PER_S",
                   help="turn the render's 3D view about the vertical at this many degrees per second (default 0: a fixed view)")
    p.add_argument("--verbose", action="store_true", help="let the detector (MediaPipe/TFLite) print its own log lines")
    p.add_argument("--layout", choices=("h36m", "coco", "mpii", "blazepose"), default=None,
                   help="keypoint layout (default: from the file, else guessed from the joints)")
    p.add_argument("--width", type=image_side, default=None, help="image width in pixels (keypoint files without it)")
    p.add_argument("--height", type=image_side, default=None, help="image height in pixels")
    p.add_argument("--fps", type=positive_float, default=None, help="frame rate (default: from the file/video, else 50)")
    p.add_argument("--min-score", type=probability, default=0.3,
                   help="keypoints at or below this confidence count as missing (0-1; default 0.3)")
    p.add_argument("--max-gap", type=non_negative_int, default=10,
                   help="report runs of more frames than this without a person (default 10)" + (
                       "; with --stream --person all, a person gone this long gets no more lines" if stream else ""))
    p.add_argument("--person", type=person_choice, default="largest", metavar="ID|largest|all",
                   help="with several people per frame (videos, JSON lists): a track id, the largest (default: largest mean box "
                   "area x frames) or all (one output per id, OUT_person<ID>.npz …)" + (
                       "; --stream follows one person, or with all everyone a video's detector follows" if stream else ""))
    p.add_argument("--max-people", type=positive_int, default=LiftOptions.max_people, metavar="N",
                   help=f"refuse a keypoint file listing more than N persons in one frame (default {LiftOptions.max_people})")
    p.add_argument("--detector", choices=tuple(DETECTORS), default=LiftOptions.detector,
                   help="who finds the people of a video: " + "; ".join(f"{k}: {v}" for k, v in DETECTORS.items()))
    p.add_argument("--no-flip", action="store_true", help="no flip test-time augmentation (2x faster)")
    camera = p.add_mutually_exclusive_group()
    camera.add_argument("--fov", type=field_of_view, default=None, metavar="DEG",
                        help=f"the camera's horizontal field of view, for the trajectory (default {DEFAULT_FOV:g} when --focal "
                        "is not given either; the outputs record it)")
    camera.add_argument("--focal", type=focal_length, default=None, metavar="PIXELS",
                        help="the camera's focal length in pixels, 10 to 1,000,000 (a 170 to 10 degree field of view on "
                        "images 230 to 175,000 pixels wide)")
    p.add_argument("--person-height", type=statures, default=None, metavar="METRES|ID=METRES,…",
                   help="the person's standing height, when known: fixes the trajectory's depth (else the model's average "
                   "body); with several people, one for everyone or one per track id (1=1.80,2=1.55; the others: the model's)")
    p.add_argument("--fix-feet", action="store_true",
                   help="move the root (only) so that a foot in contact with the floor does not slide; the poses stay as lifted")
    p.add_argument("--no-trajectory", dest="trajectory", action="store_false",
                   help="root-relative poses only: no root_3d/poses_3d_camera, a BVH root that stands still, as before the trajectory")
    add_runtime_arguments(p, checkpoint="shipped", batch_size=256, device=False, batch_help="windows per forward pass (offline)",
                          threads_help="torch intra-op threads (default: " + (
                              "1 with --stream, which keeps latency flat on a busy CPU; else torch's)" if stream else "torch's)"))


def lift_options(args: argparse.Namespace) -> LiftOptions:
    """The :class:`LiftOptions` in ``args`` (a command without a flag gets the default)."""
    given = {f.name: getattr(args, f.name) for f in dataclasses.fields(LiftOptions) if hasattr(args, f.name)}
    return LiftOptions(**given, flip=not getattr(args, "no_flip", False))


def run(args: argparse.Namespace) -> int:
    from liftformer.inference.sources.read import is_video as is_video_file
    from liftformer.inference.sources.video import is_webcam
    from liftformer.inference.writers.outputs import output_paths

    if not args.trajectory:
        given = [flag for flag, value in (("--fix-feet", args.fix_feet), ("--person-height", args.person_height), ("--fov", args.fov),
                                          ("--focal", args.focal)) if value]
        if given:
            raise DataError(f"{' and '.join(given)}: place people in camera space, which --no-trajectory turns off: drop one or the other")
    source = args.input
    webcam = args.stream and is_webcam(source)
    is_video = webcam or is_video_file(source)
    if args.detector != LiftOptions.detector and not is_video:
        raise DataError(f"--detector {args.detector}: {source} is not a video; a detector runs on videos only (drop --detector)")
    options = lift_options(args)
    paths = output_paths(args.out, args.json, args.csv, Path(source).stem)
    plan = OutputPlan(paths["npz"], paths.get("json"), paths.get("csv"), Path(args.render) if args.render else None, args.orbit,
                      Path(args.bvh) if args.bvh else None, BVH_UNITS[args.bvh_units],
                      Path(args.angles) if args.angles else None, Path(args.angles_plot) if args.angles_plot else None,
                      Path(args.trc) if args.trc else None)
    plan.check({"input": None if webcam else source, "--checkpoint": options.checkpoint})
    if args.verbose:  # detector.py quiets MediaPipe's glog and TFLite unless these are set
        os.environ.update(GLOG_minloglevel="0", TF_CPP_MIN_LOG_LEVEL="0")
    with torch_threads(options.thread_count(args.stream)):
        if args.stream:
            from liftformer.inference.sources.native_logs import quiet_native_logs

            with quiet_native_logs(is_video and not args.verbose):
                return _stream(source, options, plan, is_video, webcam)
        from liftformer.inference.offline import lift_people

        return lift_people(source, options, plan, verbose=args.verbose)


def _stream(source: str, options: LiftOptions, plan: OutputPlan, is_video: bool, webcam: bool) -> int:
    """Causal lifting frame by frame: a JSON line per pose (and its root, from the past frames only) on stdout as soon
    as it is ready; files after. With ``--person all`` on a video or webcam, everyone the detector follows, each
    line naming the ``person``, one set of files per person.

    Ctrl-C ends the stream (the only way to end a webcam's): what was streamed is still saved, exit 130.
    So does a reader that closes stdout (``| head``), exit 141 as for SIGPIPE.
    """
    from liftformer.inference.lifting.pretrained import load_model, load_trajectory
    from liftformer.inference.lifting.streaming import keypoint_file_source, people_video_source, video_source
    from liftformer.inference.lifting.trajectory import Intrinsics
    from liftformer.inference.live import Crowd, PersonStream
    from liftformer.inference.offline import check_heights, clip_angles, report_gaps, video_frames
    from liftformer.inference.sources.bodies import describe
    from liftformer.inference.writers.plan import render_output, write_outputs

    several = options.person == "all"
    if options.person not in ("all", "largest"):
        raise DataError(f"--person {options.person}: a stream follows the detector's one person or, with all, everyone it "
                        "follows; ids are known only once the video has been tracked (drop --stream to lift one id)")
    if several and not is_video:
        raise DataError(f"--stream --person all: {source} is a keypoint file; streaming follows several people in a video "
                        "or webcam only (drop --stream to track everyone offline)")
    model = load_model(options.checkpoint, causal=True)
    calibration = load_trajectory(options.checkpoint, causal=True) if options.trajectory else None
    src = (people_video_source if several else video_source)(source, options) if is_video else keypoint_file_source(source, options)
    try:
        camera = Intrinsics.for_image(*src.image_size, options.fov, options.focal)
    except BaseException:
        src.close()  # the detector, started before any frame was asked for
        raise
    if calibration is not None and options.fov is None and options.focal is None:
        print(f"trajectory: camera {camera.source}", file=sys.stderr)

    def person(pid: int, first_frame: int) -> PersonStream:
        return PersonStream(model, src.layout, src.image_size, src.fps, options.for_person(pid if several else None), camera,
                            calibration, first_frame, angles=bool(plan.angles or plan.angles_plot))

    crowd = Crowd(person, options.max_gap if several else None)
    if not several:
        crowd.start(0, 0)  # one person, streamed from the first frame as before
    frames = src.frames if several else ({} if p is None else {0: p} for p in src.frames)
    plans: dict[str, OutputPlan] = {}

    def plan_of(label: str) -> OutputPlan:  # each person's files, checked when they first appear
        if label not in plans:
            plans[label] = dataclasses.replace(plan.for_person(label), render=None) if several else plan
            plans[label].check({"input": None if webcam else source, "--checkpoint": options.checkpoint})
        return plans[label]

    interrupted: int | None = None  # the exit status of an early end
    try:
        for found in frames:
            lines = crowd.push(found)
            for label, _ in crowd.streams[len(plans):]:
                plan_of(label)
            for pid, line in lines:
                stream = crowd.people[pid]
                if len(stream.results) == 1 and line["frame"] > stream.start:
                    span = line["frame"] - stream.start
                    frames_out = f"frame {stream.start}" if span == 1 else f"frames {stream.start}-{line['frame'] - 1} ({span} frames)"
                    print(f"warning: no pose for input {frames_out}{_of(pid if several else None)}: streaming starts once every "
                          "joint has been seen; poses keep their input frame numbers", file=sys.stderr)
                print(json.dumps({"person": pid, **line} if several else line), flush=True)
    except KeyboardInterrupt:
        interrupted = 130
        print(f"interrupted after {plural(crowd.frames, 'frame')}: saving what was streamed", file=sys.stderr)
    except BrokenPipeError:
        interrupted = 141
        silence_stdout()
        print(f"stdout closed after {plural(crowd.frames, 'frame')}: saving what was streamed", file=sys.stderr)
    finally:
        src.close()  # releases the detector
    streamed = [(label, p) for label, p in crowd.streams if p.results]
    if not streamed:
        if interrupted:
            return interrupted
        raise DataError(f"{source}: no pose in {plural(crowd.frames, 'frame')} (no person with every joint located)")
    check_heights(options, sorted({int(label.split("-")[0]) for label, _ in streamed}) if several else [None])
    clips = []
    for label, stream in streamed:
        stream.stream.finish()
        clip = stream.clip(options.fix_feet, trim=several)
        who = _of(label if several else None)
        report_gaps(stream.stream.notes, clip.filled, stream.stream.long_gaps, src.fps, "held", who)
        if stream.bodies.dropped:
            print(describe(stream.bodies.dropped.items(), stream.bodies.seen, f"person {label}" if several else source), file=sys.stderr)
        ms = 1000 * np.array(stream.latencies)
        print(f"streamed {plural(len(clip.poses), 'frame')}{who}: lifting latency median {np.median(ms):.2f} ms, "
              f"p95 {np.percentile(ms, 95):.2f} ms per frame", file=sys.stderr)
        write_outputs(plan_of(label), clip, sys.stderr, f"person {label}" if several else "", clip_angles(plan, clip))  # stdout: JSON lines
        clips.append(clip)
    if plan.render:
        render_output(plan, clips, video_frames(None if webcam or not is_video else source), sys.stderr)
    return interrupted or 0


def _of(person: int | str | None) -> str:
    """' of person ID' in a stream of several people (``person`` None: one person, nothing)."""
    return "" if person is None else f" of person {person}"
