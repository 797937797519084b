#!/usr/bin/env python3
"""OpenSim inverse kinematics on real lifts: marker errors, and the model's knee against the geometric one.

Each camera of a Pose2Sim clip (default Demo_MultiPerson; detections cached by real_yardstick.py) is lifted as
``liftformer lift --person all --trc --angles`` lifts it; each person's ``.trc`` goes through ``liftformer
opensim``'s job (the project's model sized to their markers, OpenSim 4.6's inverse kinematics). Per camera and
person: the marker error (RMS over markers, its mean and largest over frames; the largest single marker error), and
the RMSE between the model's ``knee_flexion`` and the three-point knee angle of the same lift
(:mod:`liftformer.inference.lifting.angles`), right and left; and how far the lift is from rigid, which inverse
kinematics of a rigid model cannot follow: each bone's length range over the track (5th to 95th percentile) over its
median, for the median bone and the most variable one.

    python benchmarks/opensim_markers.py [--demo DIR] [--detector fused]     # needs the [opensim] extra
"""

from __future__ import annotations

import argparse
import io
import platform
import sys
import tempfile
from contextlib import redirect_stderr
from pathlib import Path

import numpy as np

from liftformer.data.skeleton import H36M_17
from liftformer.inference.lifting.angles import body_angles
from liftformer.inference.lifting.bones import bone_lengths
from liftformer.inference.lifting.pretrained import load_model, load_trajectory
from liftformer.inference.offline import lift_person
from liftformer.inference.opensim.job import OpenSimOutputs, opensim_job
from liftformer.inference.options import LiftOptions
from liftformer.inference.sources.read import DETECTORS
from liftformer.inference.sources.video import probe_video
from liftformer.inference.tracks.tracking import select_people
from liftformer.inference.writers.angles import world_poses
from liftformer.inference.writers.outputs import frame_indices
from liftformer.inference.writers.trc import save_trc

sys.path.insert(0, str(Path(__file__).parent))
from real_yardstick import detections, find_clip  # noqa: E402


def bone_spread(poses: np.ndarray) -> np.ndarray:
    """(16,) each H36M-17 bone's length range over the (T, 17, 3) track, 5th to 95th percentile, over its median."""
    bones = bone_lengths(poses, H36M_17.parents)
    return (np.percentile(bones, 95, axis=0) - np.percentile(bones, 5, axis=0)) / np.median(bones, axis=0)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--demo", default=".cache/pose2sim/Pose2Sim/Demo_MultiPerson")
    p.add_argument("--cache", default=".cache/yardstick")
    p.add_argument("--detector", choices=tuple(DETECTORS), default=LiftOptions.detector)
    args = p.parse_args()
    if not Path(args.demo, "videos").is_dir():
        print(f"skipped: no Pose2Sim clip in {args.demo} (see real_yardstick.py's docstring)")
        return
    clip = find_clip(Path(args.demo))
    model, calibration = load_model(None), load_trajectory(None)
    options = LiftOptions()
    print(f"{platform.processor() or platform.machine()}; {clip.name}, detector {args.detector}; the shipped model, OpenSim 4.6\n")
    print("| camera | person | frames | marker RMS, mean / largest (cm) | largest marker error (cm) | knee: model vs three points, "
          "RMSE right / left (deg) | bone length range / median: median bone, most variable |\n"
          "| --- | --- | --- | --- | --- | --- | --- |")
    summary = []
    with tempfile.TemporaryDirectory() as folder:
        for video in clip.videos:
            view = detections(video, probe_video(video), Path(args.cache), clip.name, args.detector)
            with redirect_stderr(io.StringIO()):
                people = select_people(view, "all", model.config.receptive_field, min_score=options.min_score).people
                lifted = [(pid, lift_person(kp, options, model, io.StringIO(), calibration)) for pid, kp in people]
            for pid, lift in lifted:
                world = world_poses(lift.poses, lift.placement)
                trc = Path(folder) / f"{video.stem}_person{pid}.trc"
                save_trc(trc, world, frame_indices(lift.frames, len(lift.poses)), lift.fps)
                kinematics = opensim_job(str(trc), OpenSimOutputs.beside(trc.with_suffix("")), log=io.StringIO())
                rms = 100 * kinematics.rms()
                geometric = body_angles(world)
                knees = [float(np.sqrt(np.nanmean((kinematics.coordinates[:, kinematics.names.index(f"knee_flexion_{s[0]}")]
                                                   - geometric[f"knee_flexion_{s}"]) ** 2))) for s in ("right", "left")]
                spread = bone_spread(world)
                summary.append((rms.mean(), rms.max(), 100 * kinematics.errors.max(), *knees, np.median(spread), spread.max()))
                print(f"| {video.stem} | {pid} | {len(rms)} | {rms.mean():.2f} / {rms.max():.2f} | {100 * kinematics.errors.max():.2f} | "
                      f"{knees[0]:.1f} / {knees[1]:.1f} | {np.median(spread):.2f}, {spread.max():.2f} |")
    s = np.array(summary)
    print(f"| **all** | | | **{s[:, 0].mean():.2f}** / {s[:, 1].max():.2f} | **{s[:, 2].max():.2f}** | {s[:, 3].mean():.1f} / "
          f"{s[:, 4].mean():.1f} | {np.median(s[:, 5]):.2f}, {s[:, 6].min():.2f}-{s[:, 6].max():.2f} |")


if __name__ == "__main__":
    main()
