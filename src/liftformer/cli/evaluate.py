"""``liftformer evaluate``: the benchmark protocol tables for a trained model."""

from __future__ import annotations

import argparse
import time

from liftformer.cli.data_args import add_data_arguments, comma_list
from liftformer.data.benchmarks import load_split
from liftformer.data.pipeline import subset_sequences
from liftformer.errors import DataError
from liftformer.evaluation.protocol import (
    H36M_ACTION_ABBREVIATIONS,
    evaluate_sequences,
    format_table,
    summarize_by_action,
    summarize_by_subject,
    write_table,
)
from liftformer.model.checkpoint import load_weights


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("evaluate", help="score a model with the Human3.6M / HumanEva-I protocols")
    p.add_argument("--checkpoint", required=True, help="a .safetensors weights file written by liftformer train")
    add_data_arguments(p)
    p.add_argument("--subjects", type=comma_list, default=None, help="default: the benchmark's test subjects")
    p.add_argument("--no-flip", action="store_true", help="no test-time flip augmentation")
    p.add_argument("--by-subject", action="store_true", help="also print a table per subject")
    p.add_argument("--batch-size", type=int, default=1024)
    p.add_argument("--device", default="cpu")
    p.add_argument("--out", default=None, help="write the tables to a .json or .csv file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    t0 = time.perf_counter()
    model = load_weights(args.checkpoint, device=args.device).eval()
    actions = args.actions
    if actions is None and args.dataset == "humaneva":
        from liftformer.data.humaneva import EVAL_ACTIONS

        actions = EVAL_ACTIONS
    data = load_split(args.dataset, args.data_3d, args.data_2d, args.subjects, "test", actions, require_3d=True, to_h36m=args.to_h36m)
    j_in, j_out = data.sequences[0].keypoints.shape[1], data.sequences[0].positions_3d.shape[1]
    cfg = model.config
    if (cfg.num_joints_in, cfg.num_joints_out) != (j_in, j_out):
        raise DataError(
            f"{args.checkpoint}: model takes {cfg.num_joints_in} joints and predicts {cfg.num_joints_out}, "
            f"but {args.data_2d} has {j_in} 2D joints and the 3D has {j_out}"
        )
    sequences = subset_sequences(data.sequences, args.subset)
    if args.downsample > 1:
        raise DataError("--downsample is for training; evaluation scores every frame (use --subset for a quick look)")
    flip = None if args.no_flip else (data.input_skeleton, data.output_skeleton)
    results = evaluate_sequences(model, sequences, flip, args.batch_size, progress=True)
    frames = sum(len(r.frames["P1 MPJPE"]) for r in results)
    header = (
        f"{args.dataset}: {len(results)} sequences, {frames} frames, subjects "
        f"{','.join(sorted({r.subject for r in results}))}; flip TTA {'off' if args.no_flip else 'on'}; "
        f"errors in mm (MPJVE: mm/frame)"
    )
    print(header)
    tables = {}
    if args.dataset == "humaneva":
        from liftformer.data.humaneva import EVAL_ACTIONS

        tables["P2 P-MPJPE by subject"] = summarize_by_subject(results, EVAL_ACTIONS if args.actions is None else None)
        print(format_table(tables["P2 P-MPJPE by subject"]))
    else:
        from liftformer.data.h36m import ACTIONS

        actions = ACTIONS if args.dataset == "h36m" else None
        tables["by action"] = summarize_by_action(results, actions)
        print(format_table(tables["by action"], H36M_ACTION_ABBREVIATIONS))
        if args.by_subject:
            for subject in sorted({r.subject for r in results}):
                key = f"by action, {subject}"
                tables[key] = summarize_by_action([r for r in results if r.subject == subject], actions)
                print(f"\n{subject}\n" + format_table(tables[key], H36M_ACTION_ABBREVIATIONS))
    if args.out:
        flat = {f"{name} / {row}": cells for name, table in tables.items() for row, cells in table.items()}
        write_table(flat, args.out)
        print(f"wrote {args.out}")
    print(f"evaluated in {time.perf_counter() - t0:.0f} s")
    return 0
