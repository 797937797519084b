#!/usr/bin/env python3
"""A real-camera yardstick on Pose2Sim's Demo_MultiPerson (or any Pose2Sim clip): calibrated real cameras, two people.

    pip download --no-deps pose2sim==0.10.49 -d .cache/pose2sim
    unzip -o .cache/pose2sim/pose2sim-0.10.49-py3-none-any.whl 'Pose2Sim/Demo_MultiPerson/*' -d .cache/pose2sim
    python benchmarks/real_yardstick.py [--demo .cache/pose2sim/Pose2Sim/Demo_MultiPerson] \\
        [--h36m-3d ../shared/data/h36m/data_3d_h36m_17j.npz] \\
        [--hips-from data_2d_h36m_gt.npz ../shared/data/h36m/data_2d_h36m_sh_pt_mpii.npz]

The package's own detector (MediaPipe, every person in each frame) runs on each camera's video; each frame's
detections are associated across the four views and triangulated (DLT from the Qualisys calibration; the
reprojection error is reported): that is the reference. Each camera is then lifted on its own by the package's
pipeline (tracking, smoothing, hygiene, the shipped centred model), each lifted track frame is matched to the
triangulated person its 2D is nearest to, and MPJPE / P-MPJPE (mm) are computed on the 13 joints both skeletons
share, root-relative in that camera's axes. Beside them: the lift of the triangulation reprojected into the camera
(the 2D made consistent: what is left is the model's), and the Human3.6M training subjects' mean pose (P-MPJPE);
and the trajectory (``--focal`` with the camera's calibrated focal length): the lifted root against the
triangulated pelvis in that camera's axes (MRPE, mm).
The reference's pelvis and hips are where the detectors mark them, lower and closer together than Human3.6M's
joint centres, which the model was trained to give; ``--hips-from`` also scores the lifted poses with their pelvis
and hips moved there, by an offset fitted on Human3.6M's training subjects (SH detections beside the ground truth
2D; :mod:`liftformer.evaluation.definitions`), not on this clip.
Also per camera: the frames in which each person was found, into how many tracks (fragments), and how many
of those tracks also hold frames of the other person (identity exchanges). Detections are cached in ``--cache``,
in ``CLIP/DETECTOR/VIDEO.npz`` (filled by ``--detector``); delete them to detect again.

``--demo DIR`` takes any clip in Pose2Sim's layout: ``DIR/videos`` and a Qualisys ``DIR/calibration/*.qca.txt``
(``pose2sim_clip.py`` says how they are found and paired, and how sizes and caches are handled). Every error is one
line, exit status 2.
"""

from __future__ import annotations

import dataclasses
import io
import os
import platform
import sys
import time
from collections.abc import Sequence
from contextlib import redirect_stderr
from pathlib import Path

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment

from liftformer.cli.main import OneLineParser
from liftformer.cli.options import stature_metres
from liftformer.data.calibration import read_qca
from liftformer.data.camera import Camera
from liftformer.data.formats import load_positions_2d
from liftformer.data.layouts import to_h36m
from liftformer.data.skeleton import H36M_17
from liftformer.errors import LiftformerError, plural
from liftformer.evaluation.definitions import HipOffset, fit_hip_offset, to_detector_hips
from liftformer.evaluation.metrics import p_mpjpe
from liftformer.evaluation.multiview import SHARED_JOINTS, associate, projection_matrix, reproject, reprojection_error, triangulate
from liftformer.inference.lifting.pretrained import load_model, load_trajectory
from liftformer.inference.offline import lift_person
from liftformer.inference.options import LiftOptions
from liftformer.inference.sources.keypoints import Keypoints2D, PeopleKeypoints
from liftformer.inference.sources.read import DETECTORS
from liftformer.inference.sources.video import probe_video
from liftformer.inference.tracks.tracking import select_people
from pose2sim_clip import Clip, detections, find_clip, fit_sizes

CLEAR = 0.6  # a left/right reading is clear when the other one is this much nearer the reprojection
MATCH = 0.25  # a lifted track frame can be the triangulated person whose reprojection is this near (mean, in body heights)


def clip_reference(demo: Path, cache: Path, detector: str) -> tuple[Clip, list[Camera], list[PeopleKeypoints], np.ndarray, list[int]]:
    """A clip's cameras, each view's detections by ``detector`` (cached in ``cache``), their triangulation (T, P, 17, 3)
    and the people found in at least half its frames: what the benchmarks beside this one compare against."""
    clip = find_clip(demo)
    infos = [probe_video(v) for v in clip.videos]
    cams = fit_sizes(read_qca(clip.calibration), clip, infos)
    views = [detections(v, i, cache, clip.name, detector) for v, i in zip(clip.videos, infos)]
    truth, _ = triangulated_people(cams, [views])
    people = [i for i in range(truth.shape[1]) if np.isfinite(truth[:, i, 0, 0]).sum() >= 0.5 * len(truth)]
    return clip, cams, views, truth, people


def h36m_people(view: PeopleKeypoints, t: int) -> np.ndarray:
    """Frame ``t``'s detections of one view as H36M-17 (P, 17, 3) pixels and scores."""
    return to_h36m(view.people[t], view.layout or "blazepose") if len(view.people[t]) else np.zeros((0, 17, 3))


def frame_people(matrices: np.ndarray, detectors: list[list[PeopleKeypoints]], t: int) -> list[tuple[np.ndarray, float]]:
    """Frame ``t``'s people (joints (17, 3), reprojection error px): associated across the views of the first detector
    (``detectors[d][v]``: detector d's detections in view v); each other detector's people, associated alike, join the
    first's person whose root lies within 0.5 m, and every detection of that person, from every detector, is
    triangulated together (one detector's keypoint definitions do not become the reference's)."""
    seen_by = [[h36m_people(v, t) for v in views] for views in detectors]  # [detector][view] (P, 17, 3)
    sets = [associate(matrices, seen) for seen in seen_by]
    observations = [[[seen_by[0][v][c] for v, c in enumerate(combo) if c >= 0]] for _, combo, _ in sets[0]]
    cams_of = [[[v for v, c in enumerate(combo) if c >= 0]] for _, combo, _ in sets[0]]
    for seen, found in zip(seen_by[1:], sets[1:]):
        if not found or not sets[0]:
            continue
        cost = np.linalg.norm(np.array([p[0][0] for p in sets[0]])[:, None] - np.array([p[0][0] for p in found])[None], axis=-1)
        for r, c in zip(*linear_sum_assignment(np.nan_to_num(cost, nan=1e6))):
            if cost[r, c] < 0.5:
                combo = found[c][1]
                observations[r].append([seen[v][k] for v, k in enumerate(combo) if k >= 0])
                cams_of[r].append([v for v, k in enumerate(combo) if k >= 0])
    out = []
    for person, (points, _, error) in enumerate(sets[0]):
        if len(observations[person]) > 1:
            m = np.stack([matrices[v] for group in cams_of[person] for v in group])
            seen = np.concatenate([np.stack(group) for group in observations[person]])
            weights = (seen[..., 2] > 0.3).astype(float)
            points = triangulate(m, seen[..., :2], weights)
            error = reprojection_error(m, points, seen[..., :2], weights)
        out.append((points, error))
    return out


def triangulated_people(cams: list, detectors: list[list[PeopleKeypoints]]) -> tuple[np.ndarray, np.ndarray]:
    """(T, P, 17, 3) world joints of the people found in ≥ 2 views (by one or several detectors, ``detectors[d][v]``;
    :func:`frame_people`), ids kept by their roots' nearness, and (T, P) reprojection errors (NaN where a person is
    not found)."""
    matrices = np.stack([projection_matrix(c) for c in cams])
    frames = min(len(v.people) for views in detectors for v in views)
    tracks: list[dict[int, tuple[np.ndarray, float]]] = []
    last: list[np.ndarray] = []
    for t in range(frames):
        found = frame_people(matrices, detectors, t)
        roots = np.array([p[0][0] for p in found]).reshape(-1, 3)
        assigned: dict[int, int] = {}
        if last and len(found):
            cost = np.linalg.norm(np.array(last)[:, None] - roots[None], axis=-1)
            rows, cols = linear_sum_assignment(cost)
            assigned = {int(c): int(r) for r, c in zip(rows, cols) if cost[r, c] < 0.5}
        for i, (points, error) in enumerate(found):
            pid = assigned.get(i)
            if pid is None:
                pid = len(tracks)
                tracks.append({})
                last.append(points[0])
            tracks[pid][t] = (points, error)
            last[pid] = points[0]
    order = sorted(range(len(tracks)), key=lambda i: -len(tracks[i]))
    out = np.full((frames, len(tracks), 17, 3), np.nan)  # a frame counts for a person when every shared joint is triangulated
    errors = np.full((frames, len(tracks)), np.nan)
    for new, old in enumerate(order):
        for t, (points, error) in tracks[old].items():
            if np.isfinite(points[list(SHARED_JOINTS)]).all():
                out[t, new], errors[t, new] = points, error
    return out, errors


def lifted_tracks(kp: PeopleKeypoints, model, options: LiftOptions, calibration) -> list[tuple]:
    """The package's offline pipeline on one camera: every track (id, input frames, poses (T, 17, 3), H36M pixels
    lifted (after hygiene), the root's camera-space path (T, 3) from ``options.focal``, H36M pixels as detected)."""
    with redirect_stderr(io.StringIO()):
        selection = select_people(kp, "all", 1, min_score=options.min_score)
        out = []
        for pid, person in selection.people:
            clip = lift_person(person, options, model, io.StringIO(), calibration)
            frames = np.arange(len(clip.poses)) if clip.frames is None else clip.frames
            detected = to_h36m(np.concatenate([person.pixels, person.scores[..., None]], -1), kp.layout or "blazepose")[..., :2]
            out.append((pid or 1, frames, clip.poses, clip.pixels, clip.placement.root, detected))
    return out


def mirrored(seen: np.ndarray, pixels: np.ndarray) -> bool | None:
    """Whether H36M pixels (17, 2) have left and right exchanged against a person's reprojection ``seen`` (17, 2), on
    the shared joints: True when the exchanged 2D is clearly nearer (under ``CLEAR`` of the distance as is), False when
    the 2D as is clearly is, None when the view cannot tell (a side view, where left and right nearly coincide)."""
    shared = list(SHARED_JOINTS)
    as_is = float(np.nanmean(np.linalg.norm(seen[shared] - pixels[shared], axis=-1)))
    swapped = float(np.nanmean(np.linalg.norm(seen[shared] - pixels[H36M_17.flip_permutation][shared], axis=-1)))
    if swapped < CLEAR * as_is:
        return True
    return False if as_is < CLEAR * swapped else None


def assign(cam, truth: np.ndarray, tracks: list[tuple], people: list[int]) -> dict[tuple[int, int], int]:
    """Which triangulated person each lifted track frame is: per frame, the track frames and the people are paired
    one to one (Hungarian) by the mean distance of their shared joints in ``cam``'s pixels, in the reprojected body's
    heights, and a pair nearer than ``MATCH`` is kept; {(track index, row): person}. A frame whose left and right are
    exchanged (the detector took the back for the front) still belongs to its person: what the exchange costs shows
    in the pose's error, not as a missed frame."""
    matrix, shared = projection_matrix(cam)[None], list(SHARED_JOINTS)
    by_frame: dict[int, list[tuple[int, int, np.ndarray]]] = {}
    for k, (_, frames, _, pixels, _, _) in enumerate(tracks):
        for row, t in enumerate(frames):
            if t < len(truth):
                by_frame.setdefault(int(t), []).append((k, row, pixels[row]))
    owner: dict[tuple[int, int], int] = {}
    for t, rows in by_frame.items():
        cost = np.full((len(rows), len(people)), np.inf)
        for j, person in enumerate(people):
            if not np.isfinite(truth[t, person][shared]).all():
                continue
            seen = reproject(matrix, truth[t, person])[0][shared]
            height = float(np.ptp(seen[:, 1])) or 1.0
            for r, (_, _, pixels) in enumerate(rows):
                cost[r, j] = min(float(np.nanmean(np.linalg.norm(seen - p[shared], axis=-1)))
                                 for p in (pixels, pixels[H36M_17.flip_permutation])) / height
        finite = np.where(np.isfinite(cost), cost, 1e6)
        for r, j in zip(*linear_sum_assignment(finite)):
            if cost[r, j] < MATCH:
                owner[rows[r][:2]] = people[j]
    return owner


def mirror_counts(matrix: np.ndarray, truth: np.ndarray, tracks: list[tuple], owner: dict, people: list[int]) -> dict[int, np.ndarray]:
    """Per person, over the track frames a detection was made in: [mirrored as detected, exchanged by hygiene where
    mirrored, exchanged where not, mirrored after hygiene, undecided] (:func:`mirrored` against the reprojection)."""
    counts = {i: np.zeros(5, dtype=int) for i in people}
    shared = list(SHARED_JOINTS)
    for (k, row), i in owner.items():
        _, frames, _, lifted, _, detected = tracks[k]
        if not np.isfinite(detected[row][shared]).any():
            continue  # a frame tracking filled in: nothing was detected to repair
        seen = reproject(matrix, truth[int(frames[row]), i])[0]
        before, after = mirrored(seen, detected[row]), mirrored(seen, lifted[row])
        exchanged = mirrored(detected[row], lifted[row])  # hygiene's output is the detection's left and right exchanged
        c = counts[i]
        if before is None:
            c[4] += 1
            continue
        c[0] += before
        c[1] += bool(exchanged) and before
        c[2] += bool(exchanged) and not before
        c[3] += bool(after)
    return counts


def person_errors(cam, truth: np.ndarray, tracks: list[tuple], owner: dict, i: int, moved=None) -> tuple | None:
    """Person ``i``'s lifted track frames against the triangulation, root-relative on the shared joints in ``cam``'s
    axes: (predicted (N, 13, 3), true (N, 13, 3), sorted (frame, track id) pairs, root errors (N,) m, the predicted
    poses passed through ``moved`` (default as they are) (N, 13, 3)); None if unfound."""
    shared = list(SHARED_JOINTS)
    pred, true_cam, owners, root_errors = [], [], [], []
    for k, (pid, frames, poses, _, roots, _) in enumerate(tracks):
        for row, t in enumerate(frames):
            if owner.get((k, row)) == i:
                pred.append(poses[row])
                true_cam.append(cam.world_to_camera(truth[t, i]))
                owners.append((int(t), pid))
                root_errors.append(np.linalg.norm(roots[row] - true_cam[-1][0]))
    if not pred:
        return None
    p, t = np.stack(pred), np.stack(true_cam)
    m = p if moved is None else moved(p)
    return p[:, shared] - p[:, :1], t[:, shared] - t[:, :1], sorted(owners), np.array(root_errors), m[:, shared] - p[:, :1]


def h36m_poses(path: str | None) -> np.ndarray | None:
    """Every root-relative pose of Human3.6M's training subjects (N, 17, 3), or None without ``path``."""
    if not path:
        return None
    from liftformer.data.h36m import load_positions

    poses = np.concatenate([a for s in ("S1", "S5", "S6", "S7", "S8") for a in load_positions(path)[s].values()])
    return poses - poses[:, :1]


def torso_over_thigh(poses: np.ndarray) -> float:
    """The median of the pelvis-to-mid-shoulders length over the mean thigh length of (..., 17, 3) H36M-17 poses
    (mid-shoulders, not the thorax, which 2D layouts do not mark): where the hips sit between shoulders and knees."""
    length = lambda a, b: np.linalg.norm(a - b, axis=-1)  # noqa: E731
    torso = length(poses[..., 0, :], 0.5 * (poses[..., 11, :] + poses[..., 14, :]))
    return float(np.nanmedian(torso / (0.5 * (length(poses[..., 1, :], poses[..., 2, :]) + length(poses[..., 4, :], poses[..., 5, :])))))


def detector_hips(gt_2d: str, detected_2d: str, subjects=("S1", "S5", "S6", "S7", "S8")) -> HipOffset:
    """Where ``detected_2d`` (Human3.6M's SH detections, MPII-16) marks the hips against ``gt_2d``'s (the ground truth
    projected, H36M-17): fitted on the training subjects, every 5th frame of every action and camera."""
    truth, detected = load_positions_2d(gt_2d)[0], load_positions_2d(detected_2d)[0]
    pairs = [(truth[s][a][c], d) for s in subjects for a, views in detected[s].items() for c, d in enumerate(views)]
    n = [min(len(g), len(d)) for g, d in pairs]
    return fit_hip_offset(np.concatenate([g[:k:5] for (g, _), k in zip(pairs, n)]),
                          np.concatenate([to_h36m(d[:k:5], "mpii") for (_, d), k in zip(pairs, n)]))


def parse_args(argv: Sequence[str] | None = None):
    """The command line; a bad value is one line, exit status 2."""
    p = OneLineParser(prog="real_yardstick.py", description=__doc__.split("\n")[0])
    p.add_argument("--demo", default=".cache/pose2sim/Pose2Sim/Demo_MultiPerson", metavar="DIR",
                   help="a Pose2Sim clip: DIR/videos and a Qualisys DIR/calibration/*.qca.txt (default: Demo_MultiPerson)")
    p.add_argument("--cache", default=".cache/yardstick", help="where the detections are kept (CLIP/DETECTOR/VIDEO.npz)")
    p.add_argument("--detector", choices=tuple(DETECTORS), default=LiftOptions.detector,
                   help=f"the package's detector that fills --cache (default {LiftOptions.detector})")
    p.add_argument("--h36m-3d", default=None, help="Human3.6M 3D (the mean-pose baseline)")
    p.add_argument("--reference-with", nargs="*", default=[], metavar="DIR",
                   help="also triangulate the reference from the detections cached in DIR (e.g. another detector's, "
                        "movenet_detections.py), each person from every detector's views together")
    p.add_argument("--checkpoint", default=None)
    p.add_argument("--person-height", type=stature_metres, default=None, metavar="M",
                   help="lift everyone as this stature (liftformer lift --person-height): the trajectory's scale")
    p.add_argument("--hips-from", nargs=2, default=None, metavar=("GT_2D", "SH_2D"),
                   help="also score with the lifted pelvis and hips moved to where 2D detectors mark them, the offset "
                        "fitted on Human3.6M's training subjects: the ground truth 2D (liftformer prepare) beside the SH "
                        "detections (evaluation/definitions.py)")
    p.add_argument("--compare-cache", default=None, metavar="DIR",
                   help="also count, against the same reference, the frames found with the detections cached in DIR "
                        "(e.g. kept from an earlier version of the detector); detected there by --compare-detector if absent")
    p.add_argument("--compare-detector", choices=tuple(DETECTORS), default="blazepose",
                   help="the package's detector that fills --compare-cache (fused: also needs MoveNet, sources/movenet.py)")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the yardstick; every error is one line on stderr, exit status 2 (``LIFTFORMER_DEBUG=1``: the traceback)."""
    args = parse_args(argv)
    try:
        run(args)
    except (LiftformerError, ValueError, OSError) as e:
        if os.environ.get("LIFTFORMER_DEBUG"):
            raise
        print(f"real_yardstick.py: error: {' '.join(str(e).split())}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("real_yardstick.py: interrupted", file=sys.stderr)
        return 130
    return 0


def run(args) -> None:
    """The yardstick on ``args.demo`` (module docstring); its tables on stdout."""
    clip = find_clip(Path(args.demo))
    cams = read_qca(clip.calibration)  # the inputs first: their errors come before minutes of detection
    infos = [probe_video(v) for v in clip.videos]
    cams = fit_sizes(cams, clip, infos)
    model = load_model(args.checkpoint)
    options = LiftOptions(person_height=args.person_height)
    calibration = load_trajectory(args.checkpoint)
    training = h36m_poses(args.h36m_3d)
    hips = detector_hips(*args.hips_from) if args.hips_from else None
    references = [[detections(v, i, Path(d), clip.name, None, "--reference-with") for v, i in zip(clip.videos, infos)]
                  for d in args.reference_with]
    torch.set_num_threads(1)
    t0 = time.perf_counter()
    views = [detections(v, i, Path(args.cache), clip.name, args.detector) for v, i in zip(clip.videos, infos)]
    truth, errors = triangulated_people(cams, [views, *references])
    people = [i for i in range(truth.shape[1]) if np.isfinite(truth[:, i, 0, 0]).sum() >= 0.5 * len(truth)]
    print(f"{platform.processor() or platform.machine()}, torch {torch.__version__}; {clip.name}, {plural(len(truth), 'frame')}, "
          f"{plural(len(cams), 'camera')}")
    for i in people:
        seen = np.isfinite(errors[:, i])
        print(f"triangulated person {i + 1}: {seen.sum()} frames, reprojection error {np.nanmean(errors[:, i]):.1f} px mean, "
              f"torso / thigh {torso_over_thigh(truth[:, i]):.2f}")
    mean_pose = None if training is None else training.mean(0)
    if training is not None:
        print(f"Human3.6M's training subjects: torso / thigh {torso_over_thigh(training):.2f}")
    if hips is not None:
        print(f"detectors' hips (SH on Human3.6M S1 S5-S8, {hips.frames} frames): {hips.down:.3f} of the torso lower, "
              f"{hips.width:.2f} of the width")
    shared = list(SHARED_JOINTS)

    def cell(value: float, before: str = "") -> str:  # a figure with the detectors' hips, blank without them
        return f"{before}{value:.1f}" if hips is not None else ""

    at_hips = (lambda pose: to_detector_hips(pose, hips)) if hips is not None else None
    print("\n| camera | person | frames found | tracks (fragments) | tracks shared with the other person | MPJPE | P-MPJPE "
          "| P-MPJPE, detectors' hips | reprojected 2D: MPJPE / P-MPJPE / detectors' hips | mean pose P-MPJPE (/ detectors' hips) "
          "| trajectory MRPE (--focal) |\n|" + " --- |" * 11)
    summary = []
    mirrors: list[tuple[str, dict]] = []
    this_run: list[tuple[list, dict]] = []  # each camera's lifted tracks and their pairing with the people
    ratios: list[str] = []  # each camera's lifted tracks' torso / thigh
    for cam, view in zip(cams, views):
        matrix = projection_matrix(cam)[None]
        tracks = lifted_tracks(view, model, dataclasses.replace(options, focal=float(cam.focal[0])), calibration)
        owner = assign(cam, truth, tracks, people)
        this_run.append((tracks, owner))
        ratios.append(f"{cam.name} " + " ".join(f"{torso_over_thigh(track[2]):.2f}" for track in tracks))
        mirrors.append((cam.name, mirror_counts(matrix, truth, tracks, owner, people)))
        owned = {i: {tracks[k][0] for (k, _), j in owner.items() if j == i} for i in people}
        for i in people:
            found = person_errors(cam, truth, tracks, owner, i, at_hips)
            if found is None:
                print(f"| {cam.name} | {i + 1} | 0 | 0 | 0 | | | | | | |")
                continue
            pred_a, true_a, owners, root_errors, pred_h = found
            mpjpe = 1000 * np.linalg.norm(pred_a - true_a, axis=-1).mean()
            pm = 1000 * float(p_mpjpe(pred_a, true_a))
            pm_h = 1000 * float(p_mpjpe(pred_h, true_a)) if hips is not None else float("nan")
            fragments = len({pid for _, pid in owners})
            exchanges = sum(1 for pid in owned[i] if any(pid in owned[j] for j in people if j != i))  # tracks on both people
            # the 2D made consistent: the triangulation reprojected into this camera, lifted by the same model
            frames_i = np.flatnonzero(np.isfinite(truth[:, i, 0, 0]))
            reproj = np.stack([reproject(matrix, truth[t, i])[0] for t in frames_i])
            consistent = Keypoints2D(reproj, np.ones(reproj.shape[:2]), "h36m", cam.width, cam.height, view.fps, f"{cam.name} reprojected",
                                     frames_i)
            with redirect_stderr(io.StringIO()):
                clip = lift_person(consistent, options, model, io.StringIO())
            rp = clip.poses[:, shared] - clip.poses[:, :1]
            rp_h = to_detector_hips(clip.poses, hips)[:, shared] if hips is not None else rp
            rt = np.stack([cam.world_to_camera(truth[t, i]) for t in frames_i])
            rt = rt[:, shared] - rt[:, :1]
            r_mpjpe = 1000 * np.linalg.norm(rp - rt, axis=-1).mean()
            r_pm = 1000 * float(p_mpjpe(rp, rt))
            r_pm_h = 1000 * float(p_mpjpe(rp_h, rt)) if hips is not None else float("nan")
            mrpe = 1000 * float(np.mean(root_errors))  # the trajectory, with this camera's focal length
            mean_cell = ""
            if mean_pose is not None:
                poses = [mean_pose] + ([to_detector_hips(mean_pose, hips)] if hips is not None else [])
                mean_cell = " / ".join(f"{1000 * float(p_mpjpe(np.broadcast_to(m[shared], true_a.shape).copy(), true_a)):.1f}"
                                       for m in poses)
            print(f"| {cam.name} | {i + 1} | {len({t for t, _ in owners})} of {np.isfinite(truth[:, i, 0, 0]).sum()} | {fragments} | "
                  f"{exchanges} | {mpjpe:.1f} | {pm:.1f} | {cell(pm_h)} | {r_mpjpe:.1f} / {r_pm:.1f}{cell(r_pm_h, ' / ')} "
                  f"| {mean_cell} "
                  f"| {mrpe:.0f} |")
            summary.append((mpjpe, pm, r_mpjpe, r_pm, mrpe, pm_h, r_pm_h))
    print("\nlifted tracks, torso / thigh: " + "; ".join(ratios))
    print("\nLeft and right against the 4-view consensus (the triangulation reprojected), frames each camera detected, "
          "per person: mirrored as detected | exchanged by hygiene: rightly / wrongly | mirrored after hygiene | "
          "undecided (a side view)\n\n| camera | person | mirrored as detected | exchanged rightly | exchanged wrongly | "
          "mirrored after | undecided |\n|" + " --- |" * 7)
    totals = np.zeros(5, dtype=int)
    for name, counts in mirrors:
        for i, c in counts.items():
            print(f"| {name} | {i + 1} | " + " | ".join(str(v) for v in c) + " |")
            totals += c
    print(f"| all | | {' | '.join(str(v) for v in totals)} |")
    if args.compare_cache:
        compared = []
        for cam, video, info in zip(cams, clip.videos, infos):
            view = detections(video, info, Path(args.compare_cache), clip.name, args.compare_detector)
            tracks = lifted_tracks(view, model, dataclasses.replace(options, focal=float(cam.focal[0])), calibration)
            compared.append((tracks, assign(cam, truth, tracks, people)))
        for label, lifted in (("compared", compared), ("this run", this_run)):
            total, errors_pm, errors_hips = 0, [], []
            for cam, (tracks, owner) in zip(cams, lifted):
                cells = []
                holders = {i: {tracks[k][0] for (k, _), j in owner.items() if j == i} for i in people}
                shared_tracks = len(set.intersection(*holders.values())) if len(holders) > 1 else 0
                for i in people:
                    mine = [(int(tracks[k][1][row]), tracks[k][0]) for (k, row), j in owner.items() if j == i]
                    total += len({t for t, _ in mine})
                    found = person_errors(cam, truth, tracks, owner, i, at_hips)
                    pm = 1000 * float(p_mpjpe(found[0], found[1])) if found else float("nan")
                    errors_pm.append(pm)
                    errors_hips.append(1000 * float(p_mpjpe(found[4], found[1])) if found else float("nan"))
                    cells.append(f"person {i + 1}: {len({t for t, _ in mine})} of {np.isfinite(truth[:, i, 0, 0]).sum()} frames "
                                 f"in {len({pid for _, pid in mine})} tracks, P-MPJPE {pm:.1f}")
                print(f"{label} detections, {cam.name}: " + "; ".join(cells) + f"; tracks on both people: {shared_tracks}")
            mirror = sum(sum(mirror_counts(projection_matrix(cam)[None], truth, tracks, owner, people).values())
                         for cam, (tracks, owner) in zip(cams, lifted))
            with_hips = f" (detectors' hips: {np.nanmean(errors_hips):.1f})" if hips is not None else ""
            print(f"{label} detections: {total} person-frames found, P-MPJPE {np.nanmean(errors_pm):.1f} mm{with_hips} mean over "
                  f"cameras and people; left and right: {mirror[0]} mirrored as detected, exchanged {mirror[1]} rightly / {mirror[2]} "
                  f"wrongly, {mirror[3]} mirrored after hygiene, {mirror[4]} undecided")
    if summary:
        s = np.array(summary).mean(0)
        print(f"\nmean over cameras and people: MPJPE {s[0]:.1f}, P-MPJPE {s[1]:.1f}; reprojected 2D: {s[2]:.1f} / {s[3]:.1f} mm; "
              f"trajectory MRPE {s[4]:.0f} mm"
              + (f"; with the detectors' hips: P-MPJPE {s[5]:.1f}, reprojected 2D {s[6]:.1f}" if hips else ""))
    print(f"{time.perf_counter() - t0:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
