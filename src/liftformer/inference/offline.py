"""The offline lifting job, one call into each stage in order: read → people → tracks → hygiene → lift → place → write.

``lift_people`` is what ``liftformer lift`` (not ``--stream``) and ``liftformer demo`` run; the CLI
parses flags and builds the :class:`~liftformer.inference.writers.plan.OutputPlan`. Progress and notes go
to stderr, the names of written files to stdout (``log``).
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import numpy as np

from liftformer.errors import frame_spans, plural
from liftformer.inference.options import LiftOptions
from liftformer.inference.sources.keypoints import Keypoints2D
from liftformer.inference.writers.plan import Lifted, OutputPlan, Placement, render_output, write_outputs

if TYPE_CHECKING:
    from liftformer.inference.lifting.trajectory import Calibration, Intrinsics
    from liftformer.inference.tracks.prepare import Prepared


def lift_people(source: str | Keypoints2D, options: LiftOptions, plan: OutputPlan, log: TextIO | None = None,
                verbose: bool = False) -> int:
    """Lift whom ``options.person`` names from ``source`` (a video, a keypoint file, or keypoints already read):
    one set of files per person (``plan`` as given for one, with ``_person<ID>`` for several), everyone in the
    one ``plan.render``. Tracking and hygiene notes go to stderr; written files are named on ``log`` (default
    stdout). ``verbose`` lets a video detector print its own log lines."""
    from liftformer.inference.lifting.pretrained import load_model, load_trajectory
    from liftformer.inference.sources.read import is_video, read_people
    from liftformer.inference.tracks.hygiene import HygieneReport
    from liftformer.inference.tracks.tracking import select_people

    model = load_model(options.checkpoint)
    calibration = load_trajectory(options.checkpoint) if options.trajectory else None
    people = read_people(source, verbose, options.max_people, options.detector) if isinstance(source, str) else source  # read
    selection = select_people(people, options.person, model.config.receptive_field, min_score=options.min_score,
                               layout=options.layout)  # people → tracks
    for note in selection.notes:
        print(note, file=sys.stderr)
    if selection.findings:
        print(HygieneReport(selection.findings).summary("tracks"), file=sys.stderr)
    video = source if isinstance(source, str) and is_video(source) else None
    check_heights(options, [person for person, _ in selection.people])
    if len(selection.people) == 1:
        person, kp = selection.people[0]
        return lift_and_save(kp, options.for_person(person), plan, video, model, log, calibration)
    plans = [dataclasses.replace(plan.for_person(person or 1), render=None) for person, _ in selection.people]
    for each in plans:
        each.check({"input": source if isinstance(source, str) else None, "--checkpoint": options.checkpoint})
    clips: list[Lifted] = []
    for each, (person, kp) in zip(plans, selection.people):  # hygiene → lift → place, then write
        clips.append(lift_person(kp, options.for_person(person), model, log, calibration, camera_said=bool(clips)))
        write_outputs(each, clips[-1], log, named(kp, f"person {person}"), clip_angles(each, clips[-1]))
    if plan.render:
        render_output(plan, clips, video_frames(video), log)
    return 0


def check_heights(options: LiftOptions, people: Sequence[int | None]) -> None:
    """Say on stderr which ids given a stature (``--person-height ID=METRES``) are not among the ``people`` lifted."""
    if isinstance(options.person_height, Mapping):
        missing = sorted(set(options.person_height) - {1 if p is None else p for p in people})
        if missing:
            print(f"warning: --person-height names {', '.join(map(str, missing))}, not among the people lifted "
                  f"({', '.join(str(1 if p is None else p) for p in people)}): those statures are not used", file=sys.stderr)


def lift_and_save(kp: Keypoints2D, options: LiftOptions, plan: OutputPlan, video: str | None = None,
                  model: Any = None, log: TextIO | None = None, calibration: Calibration | None = None) -> int:
    """Lift one person (:func:`lift_person`), write the outputs (checked by the caller) and render (over
    ``video``'s frames when given); print where. Without a ``model``, the one ``options`` names (and its
    trajectory calibration, unless ``options.trajectory`` is off)."""
    from liftformer.inference.lifting.pretrained import load_model, load_trajectory

    if model is None:
        model = load_model(options.checkpoint)
        calibration = load_trajectory(options.checkpoint) if options.trajectory else None
    clip = lift_person(kp, options, model, log, calibration)
    write_outputs(plan, clip, log, named(kp), clip_angles(plan, clip))
    if plan.render:
        render_output(plan, [clip], video_frames(video), log)
    return 0


def named(kp: Keypoints2D, otherwise: str = "") -> str:
    """Whose outputs these are, for a plot's title: the input's file name (and the person, among several)."""
    return Path(kp.source).name if kp.source else otherwise


def clip_angles(plan: OutputPlan, clip: Lifted) -> dict[str, np.ndarray] | None:
    """The joint and segment angles of a lifted ``clip`` (in its floor-fitted world frame; the camera taken as upright
    without one) when ``plan`` writes them (``--angles``, ``--angles-plot``), else None."""
    if not (plan.angles or plan.angles_plot):
        return None
    from liftformer.inference.lifting.angles import body_angles
    from liftformer.inference.writers.angles import world_poses

    return body_angles(world_poses(clip.poses, clip.placement))


def video_frames(video: str | None) -> Callable[[tuple[int, int]], Iterator[np.ndarray]] | None:
    """The frames of ``video`` from frame 0 scaled to a size (width, height) by the decoder (a render's
    background), or None."""
    if video is None:
        return None
    from liftformer.inference.sources.video import iter_frames
    from liftformer.threads import prefetched

    return lambda size: prefetched(iter_frames(video, size))  # decoded while the renderer draws


def clean_person(kp: Keypoints2D, options: LiftOptions) -> tuple[Prepared, tuple[int, int]]:
    """One person's model-ready keypoints after hygiene (its one-line summary on stderr), and the image size."""
    from liftformer.inference.tracks.hygiene import apply_hygiene
    from liftformer.inference.tracks.prepare import prepare_keypoints

    prepared = prepare_keypoints(kp, options.layout, options.width, options.height, options.min_score, options.max_gap)
    size = kp.image_size(options.width, options.height)
    prepared, hygiene = apply_hygiene(prepared, size[0], size[1], kp.frames, options.max_gap)
    print(hygiene.summary(kp.source), file=sys.stderr)
    return prepared, size


def lift_person(kp: Keypoints2D, options: LiftOptions, model: Any, log: TextIO | None = None,
                calibration: Calibration | None = None, camera_said: bool = False) -> Lifted:
    """Prepare one person's keypoints, repair what hygiene finds, lift them with ``model`` and, with a trajectory
    ``calibration``, place them in camera space; notes on stderr (an assumed camera once: not if ``camera_said``)."""
    from liftformer.data.skeleton import H36M_17
    from liftformer.inference.lifting.sequence import lift_sequence

    t0 = time.perf_counter()
    prepared, size = clean_person(kp, options)
    if len(prepared.keypoints) < model.config.receptive_field:
        print(f"warning: {kp.source or 'the input'} has {plural(len(prepared.keypoints), 'frame')}, fewer than the model's "
              f"{model.config.receptive_field}-frame window: lifted with edge padding (less reliable)", file=sys.stderr)
    flip = (H36M_17, H36M_17) if options.flip else None
    poses = lift_sequence(model, prepared.keypoints, batch_size=options.batch_size, flip=flip)
    cfg = model.config
    print(f"lifted {len(poses)} frames of {kp.source or 'the input'} in {time.perf_counter() - t0:.1f} s with a "
          f"{model.num_parameters() / 1e6:.2f}M-parameter, n={cfg.receptive_field} {'causal ' if cfg.causal else ''}"
          f"{type(model).__name__}", file=log or sys.stdout, flush=True)
    fps = options.fps or kp.fps or 50.0
    report_gaps(prepared.notes, prepared.filled, prepared.long_gaps, fps, "interpolated", f" of {kp.source}" if kp.source else "")
    prepared, poses = held_to_own_bones(prepared, poses, kp)
    place = None if calibration is None else place_person(poses, prepared, size, fps, options, calibration, camera_said)
    return Lifted(poses, prepared.pixels, prepared.filled, kp.frames, fps, size, place)


def held_to_own_bones(prepared: Prepared, poses: np.ndarray, kp: Keypoints2D) -> tuple[Prepared, np.ndarray]:
    """The lifted frames whose bones are far from the person's own (:mod:`~liftformer.inference.lifting.bones`)
    replaced by the frames beside them and marked filled; a line on stderr says how many."""
    from liftformer.data.skeleton import H36M_17
    from liftformer.inference.lifting.bones import MAX_DEVIATION, replace_implausible
    from liftformer.inference.writers.outputs import frame_indices

    poses, filled, bad = replace_implausible(poses, prepared.filled, H36M_17.parents)
    if bad.any():
        frames = frame_indices(kp.frames, len(poses))
        print(f"warning: 3D check of {kp.source or 'the input'}: replaced {int(bad.sum())} of {plural(len(poses), 'frame')} "
              f"({frame_spans(frames[bad])}) whose bones, summed, were more than {MAX_DEVIATION:.0%} off the person's median "
              "lengths (a folded or stretched body) by poses interpolated from the frames beside them, marked interpolated",
              file=sys.stderr)
        prepared = dataclasses.replace(prepared, filled=filled)
    return prepared, poses


def place_person(poses: np.ndarray, prepared: Prepared, size: tuple[int, int], fps: float, options: LiftOptions,
                 calibration: Calibration, camera_said: bool = False) -> Placement:
    """The root's camera-space path of one lifted person and the floor under it; an assumed camera is said on stderr."""
    from liftformer.inference.lifting.trajectory import Intrinsics, body_scale, camera_trajectory

    camera = Intrinsics.for_image(size[0], size[1], options.fov, options.focal)
    if options.fov is None and options.focal is None and not camera_said:
        print(f"trajectory: camera {camera.source}", file=sys.stderr)
    root = camera_trajectory(poses, prepared.pixels, camera, calibration, prepared.filled, fps, options.stature)
    return placement(poses, root, body_scale(poses, calibration, options.stature), camera, fps, options.fix_feet)


def placement(poses: np.ndarray, root: np.ndarray, scale: float | np.ndarray, camera: Intrinsics, fps: float,
              fix_feet: bool) -> Placement:
    """A person's :class:`Placement` from their path (``scale``: the body's, or (T,) per frame): the floor under it,
    the feet's contacts, the feet pinned if asked."""
    from liftformer.inference.lifting.feet import foot_contacts, pin_feet
    from liftformer.inference.lifting.ground import fit_ground

    camera_poses = np.reshape(scale, (-1, 1, 1)) * np.asarray(poses, dtype=np.float64) + root[:, None]
    ground = fit_ground(camera_poses)
    world = ground.to_world(camera_poses)
    contacts = foot_contacts(world, fps)
    if fix_feet:  # the root moves; the pose, in camera space, moves with it
        pinned = pin_feet(world, contacts, fps)
        root = root + (pinned[:, 0] - world[:, 0]) @ ground.rotation
    return Placement(root, scale, camera.focal, camera.center, camera.source, ground.rotation, ground.origin, contacts)


def report_gaps(notes: list[str], filled: np.ndarray, long_gaps: list[tuple[int, int]], fps: float, how: str,
                who: str = "") -> None:
    """Warnings, missing keypoints and long runs without a person, on stderr; ``how`` they were filled; ``who``
    (e.g. " of person 2") names the person among several."""
    for note in notes:
        print(f"warning: {note}{who}", file=sys.stderr)
    count = int(filled.any(1).sum())
    if count:
        print(f"{how} missing keypoints in {count} of {len(filled)} frames{who}", file=sys.stderr)
    for start, end in long_gaps:
        print(f"warning: no person in frames {start}-{end - 1}{who} ({(end - start) / fps:.1f} s): poses there are {how}",
              file=sys.stderr)
