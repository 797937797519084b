"""``liftformer evaluate --suite generalisation``: its flags, and the run that prints its table."""

from __future__ import annotations

import argparse
import time

from liftformer.data.datasets import DATASETS
from liftformer.errors import DataError

SUITES = ("generalisation",)


def add_suite_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("generalisation suite (a Human3.6M-17 model; --downsample k scores every k-th frame)")
    g.add_argument("--suite", choices=SUITES, default=None,
                   help="generalisation: (a) the cross dataset through its own cameras, (b) Human3.6M S9+S11 through "
                        "held-out virtual cameras, (c) Human3.6M S9+S11 Stacked Hourglass detections")
    g.add_argument("--data-root", default=None,
                   help="folder holding data_3d_h36m*.npz, data_2d_h36m_sh_pt_mpii.npz, data_3d_humaneva*.npz and "
                        "data_2d_humaneva*_gt.npz, directly or in h36m/ and humaneva/ subfolders")
    g.add_argument("--cross-dataset", choices=DATASETS, default="humaneva", help="the dataset of part (a)")
    g.add_argument("--suite-seed", type=int, default=0, help="seed of the held-out virtual cameras' azimuths")


def check_mode(args: argparse.Namespace) -> None:
    """One-line errors for flags of the other mode (the suite reads every file from --data-root)."""
    if args.suite is None:
        if args.data_root is not None:
            raise DataError("--data-root is read by --suite generalisation only: add --suite or pass --data-2d/--data-3d")
        if args.data_2d is None:
            raise DataError("--data-2d is required (or --suite generalisation --data-root DIR)")
        return
    if args.data_root is None:
        raise DataError(f"--suite {args.suite} needs --data-root DIR (the folder of the VideoPose3D files)")
    stray = [flag for flag, used in (("--data-2d", args.data_2d is not None), ("--data-3d", args.data_3d is not None),
                                     ("--subjects", args.subjects is not None), ("--actions", args.actions is not None),
                                     ("--to-h36m", args.to_h36m), ("--by-subject", args.by_subject),
                                     ("--subset", args.subset != 1.0), ("--dataset", args.dataset != "h36m")) if used]
    if stray:
        raise DataError(f"--suite {args.suite} chooses its own data (files from --data-root, the cross dataset by "
                        f"--cross-dataset): drop {', '.join(stray)}")


def run_suite_command(args: argparse.Namespace) -> int:
    """Load the model and the files, run the suite, print each part as it finishes (and --out)."""
    import torch

    from liftformer.evaluation.generalisation import (
        SuiteConfig,
        cross_dataset_spec,
        find_files,
        format_header,
        format_part,
        run_suite,
    )
    from liftformer.evaluation.protocol import write_table
    from liftformer.inference.options import torch_threads
    from liftformer.model.checkpoint import load_weights

    t0 = time.perf_counter()
    cross_dataset_spec(args.cross_dataset)
    files = find_files(args.data_root, args.cross_dataset)
    model = load_weights(args.checkpoint, device=args.device).eval()
    cfg = SuiteConfig(cross_dataset=args.cross_dataset, seed=args.suite_seed, frame_stride=args.downsample,
                      flip=not args.no_flip, batch_size=args.batch_size)
    every = "every frame" if cfg.frame_stride == 1 else f"every {cfg.frame_stride}th frame"
    print(f"generalisation suite: {args.checkpoint}; flip TTA {'on' if cfg.flip else 'off'}; {every} scored; "
          f"mm after root alignment, mean over actions", flush=True)
    print(format_header(), flush=True)
    with torch_threads(args.threads or torch.get_num_threads()):
        parts = run_suite(model, files, cfg, report=lambda part: print(format_part(part), flush=True))
    if args.out:
        write_table({f"{part.name} / {label.strip()}": row for part in parts for label, row in part.rows.items()}, args.out)
        print(f"wrote {args.out}")
    print(f"evaluated in {time.perf_counter() - t0:.0f} s")
    return 0
