"""``liftformer opensim``: a lifted person's ``.trc`` (``lift --trc``) → their OpenSim model, inverse kinematics."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from liftformer.cli.options import positive_float, stature_metres
from liftformer.errors import DataError


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("opensim", help="scale an OpenSim model to a lifted person's markers (.trc) and run inverse "
                              "kinematics (needs the [opensim] extra)")
    p.add_argument("trc", metavar="IN.trc", help="a marker file written by liftformer lift --trc")
    p.add_argument("--out", default=None, metavar="PREFIX",
                   help="write PREFIX_model.osim, PREFIX_ik.mot and PREFIX_marker_errors.csv (default: beside IN.trc, its stem)")
    p.add_argument("--mass", type=positive_float, default=70.0, metavar="KG",
                   help="the person's mass, for the segments' masses (default 70; inverse kinematics does not use it)")
    p.add_argument("--person-height", type=stature_metres, default=None, metavar="METRES",
                   help="the person's standing height: the markers are scaled to it before the model is (default: as "
                        "lifted, whose size lift --person-height or the shipped model's prior set)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from liftformer.fileio import check_outputs
    from liftformer.inference.opensim.job import OpenSimOutputs, opensim_job
    from liftformer.inference.opensim.model import opensim_module

    trc = Path(args.trc)
    if not trc.is_file():
        raise DataError(f"{trc}: no such file (give a .trc written by liftformer lift --trc)")
    if trc.suffix.lower() != ".trc":
        raise DataError(f"{trc}: not a .trc marker file (write one with liftformer lift INPUT --trc OUT.trc)")
    outputs = OpenSimOutputs.beside(args.out or trc.with_suffix(""))
    check_outputs({"--out (model)": outputs.model, "--out (motion)": outputs.motion, "--out (errors)": outputs.errors},
                  {"IN.trc": trc})
    opensim_module()  # a missing install: one line before any work
    kinematics = opensim_job(str(trc), outputs, args.mass, height=args.person_height)
    rms, worst = kinematics.rms(), np.unravel_index(int(np.argmax(kinematics.errors)), kinematics.errors.shape)
    print(f"inverse kinematics of {len(kinematics.times)} frames: marker RMS {100 * rms.mean():.2f} cm mean, "
          f"{100 * rms.max():.2f} cm at most; largest marker error {100 * kinematics.errors.max():.2f} cm "
          f"({kinematics.markers[worst[1]]}, {kinematics.times[worst[0]]:.3f} s)", file=sys.stderr)
    return 0
