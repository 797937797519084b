"""Dataset flags shared by ``train`` and ``evaluate``."""

from __future__ import annotations

import argparse

from liftformer.cli.options import fraction, positive_int
from liftformer.data.datasets import DATASETS


def comma_list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def add_data_arguments(parser: argparse.ArgumentParser, require_2d: bool = True) -> None:
    """The data flags; ``require_2d=False`` leaves checking ``--data-2d`` to the command."""
    g = parser.add_argument_group("data")
    g.add_argument("--dataset", choices=DATASETS, default="h36m")
    g.add_argument("--data-3d", help="VideoPose3D data_3d_<dataset>.npz (world coordinates, metres)")
    g.add_argument("--data-2d", required=require_2d, help="VideoPose3D data_2d_<dataset>_<source>.npz (pixels)")
    g.add_argument("--actions", type=comma_list, default=None, help="comma-separated action filter (e.g. Walking,Jog,Box)")
    g.add_argument("--downsample", type=positive_int, default=1,
                   help="train: every k-th frame a target (windows keep the native rate); evaluate: --suite only, scores every k-th")
    g.add_argument("--to-h36m", action="store_true", help="convert the 2D input (MPII-16 or COCO-17) to H36M-17 joints")
    g.add_argument("--subset", type=fraction, default=1.0, help="fraction of every sequence to use (contiguous, seeded)")
