"""``liftformer evaluate``: the benchmark protocol tables for a trained model."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from liftformer.cli.data_args import add_data_arguments, comma_list
from liftformer.cli.options import add_runtime_arguments
from liftformer.cli.suite import add_suite_arguments, check_mode, run_suite_command
from liftformer.data.datasets import get_dataset, load_split
from liftformer.data.pipeline import subset_sequences
from liftformer.errors import DataError, plural
from liftformer.evaluation.protocol import evaluate_sequences, format_table, protocol_tables, summarize_by_action, write_table
from liftformer.evaluation.trajectory import TRAJECTORY_METRICS, trajectory_scorer
from liftformer.fileio import check_outputs
from liftformer.inference.lifting.trajectory import load_calibration
from liftformer.inference.options import torch_threads
from liftformer.model.checkpoint import load_weights


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("evaluate", help="score a model with the Human3.6M / HumanEva-I protocols")
    add_runtime_arguments(p, checkpoint="required", batch_size=1024)
    add_data_arguments(p, require_2d=False)
    p.add_argument("--subjects", type=comma_list, default=None, help="default: the benchmark's test subjects")
    p.add_argument("--no-flip", action="store_true", help="no test-time flip augmentation")
    p.add_argument("--by-subject", action="store_true", help="also print a table per subject")
    p.add_argument("--out", default=None, help="write the tables to a .json or .csv file")
    add_suite_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    t0 = time.perf_counter()
    check_mode(args)
    if args.downsample > 1 and args.suite is None:
        raise DataError("--downsample is for training; evaluation scores every frame (use --subset for a quick look)")
    if args.out:
        check_outputs({"--out": args.out},
                      {"--checkpoint": args.checkpoint, "--data-2d": args.data_2d, "--data-3d": args.data_3d})
        if Path(args.out).suffix.lower() not in (".json", ".csv"):
            raise DataError(f"--out {args.out}: the tables are written as .json or .csv: give one of those suffixes")
    if args.suite is not None:
        return run_suite_command(args)
    model = load_weights(args.checkpoint, device=args.device).eval()
    spec = get_dataset(args.dataset)
    actions = args.actions if args.actions is not None else spec.eval_actions
    data = load_split(args.dataset, args.data_3d, args.data_2d, args.subjects, "test", actions, require_3d=True, to_h36m=args.to_h36m)
    j_in, j_out = data.sequences[0].keypoints.shape[1], data.sequences[0].targets.shape[1]
    cfg = model.config
    if (cfg.num_joints_in, cfg.num_joints_out) != (j_in, j_out):
        raise DataError(
            f"{args.checkpoint}: model takes {cfg.num_joints_in} joints and predicts {cfg.num_joints_out}, "
            f"but {args.data_2d} has {j_in} 2D joints and the 3D has {j_out}"
        )
    sequences = subset_sequences(data.sequences, args.subset)
    flip = None if args.no_flip else (data.input_skeleton, data.output_skeleton)
    calibration = load_calibration(args.checkpoint)
    trajectory = None
    if calibration is not None and (j_in, j_out) == (17, 17) and all(s.trajectory is not None for s in sequences):
        trajectory = trajectory_scorer(spec, calibration)
    with torch_threads(args.threads or torch.get_num_threads()):
        results = evaluate_sequences(model, sequences, flip, args.batch_size, progress=True, trajectory=trajectory)
    frames = sum(len(r.frames["P1 MPJPE"]) for r in results)
    print(
        f"{args.dataset}: {plural(len(results), 'sequence')}, {plural(frames, 'frame')}, subjects "
        f"{','.join(sorted({r.subject for r in results}))}; flip TTA {'off' if args.no_flip else 'on'}; "
        f"errors in mm (MPJVE: mm/frame)"
    )
    tables = protocol_tables(results, spec, actions_given=args.actions is not None, by_subject=args.by_subject)
    if trajectory is not None:  # the root's camera-space path: MRPE, its parts, absolute MPJPE; with the true stature
        tables["by action, trajectory (camera space, mm; the model's calibrated body size, then each subject's true stature)"] = (
            summarize_by_action(results, spec.table_actions, TRAJECTORY_METRICS))
    for i, (name, table) in enumerate(tables.items()):
        title = f"\n{name.removeprefix('by action, ')}\n" if i else ""
        print(title + format_table(table, spec.table_abbreviations))
    if args.out:
        flat = {f"{name} / {row}": cells for name, table in tables.items() for row, cells in table.items()}
        write_table(flat, args.out)
        print(f"wrote {args.out}")
    print(f"evaluated in {time.perf_counter() - t0:.0f} s")
    return 0
