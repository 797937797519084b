"""``liftformer prepare``: derive the ground-truth 2D file from a 3D file, as VideoPose3D's preparation does."""

from __future__ import annotations

import argparse
import time

DEFAULT_OUT = "data_2d_h36m_gt.npz"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("prepare", help="generate data_2d_<dataset>_gt.npz by projecting the 3D with the cameras")
    p.add_argument("dataset", choices=("h36m",), help="h36m (HumanEva-I's ground-truth 2D file is distributed ready-made)")
    p.add_argument("--from-3d", required=True, dest="path_3d", help="data_3d_h36m.npz (32 or 17 joints, metres)")
    p.add_argument("--out", default=DEFAULT_OUT, help=f"default: {DEFAULT_OUT} in the current directory (never beside the 3D file, "
                   "whose folder may be read-only data)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from liftformer.data.h36m import prepare_ground_truth_2d
    from liftformer.fileio import check_outputs

    check_outputs({"--out": args.out}, {"--from-3d": args.path_3d})
    t0 = time.perf_counter()
    n = prepare_ground_truth_2d(args.path_3d, args.out)
    print(f"wrote {args.out}: {n} sequences x 4 cameras, 17 joints, pixels (distortion included), {time.perf_counter() - t0:.1f} s")
    return 0
