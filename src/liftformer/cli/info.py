"""``liftformer info``: describe a model configuration (parameters, cost)."""

from __future__ import annotations

import argparse

from liftformer.model import LiftFormer, LiftFormerConfig
from liftformer.model.flops import macs_per_frame, macs_per_window
from liftformer.model.liftformer import HEADS


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags that define a LiftFormer's shape (shared by info, train, export, bench)."""
    d = LiftFormerConfig()
    g = parser.add_argument_group("model")
    g.add_argument("--receptive-field", "-n", type=int, default=d.receptive_field, help="odd window length N (27/81/243)")
    g.add_argument("--d-model", type=int, default=d.d_model, help="embedding width")
    g.add_argument("--heads", type=int, default=d.heads, help="attention heads")
    g.add_argument("--blocks", type=int, default=d.blocks, help="encoder blocks")
    g.add_argument("--ffn", type=int, default=d.ffn, help="feed-forward width")
    g.add_argument("--dropout", type=float, default=d.dropout)
    g.add_argument("--share-attention", action="store_true", help="one attention module for all blocks (ALBERT style)")
    g.add_argument("--causal", action="store_true", help="past-only window, predict its last frame")
    g.add_argument(
        "--head", choices=HEADS, default=d.head,
        help="centre: predict the window's target frame (paper); sequence: every window frame",
    )
    g.add_argument("--joints-in", type=int, default=d.num_joints_in, help="2D input joints")
    g.add_argument("--joints-out", type=int, default=d.num_joints_out, help="3D output joints")


def config_from_args(args: argparse.Namespace) -> LiftFormerConfig:
    return LiftFormerConfig(
        num_joints_in=args.joints_in,
        num_joints_out=args.joints_out,
        receptive_field=args.receptive_field,
        d_model=args.d_model,
        heads=args.heads,
        blocks=args.blocks,
        ffn=args.ffn,
        dropout=args.dropout,
        share_attention=args.share_attention,
        causal=args.causal,
        head=args.head,
    )


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("info", help="print a model configuration's parameter count and cost")
    add_model_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    cfg = config_from_args(args)
    model = LiftFormer.from_config(cfg)
    params = model.num_parameters()
    macs = macs_per_window(cfg)
    print(
        f"LiftFormer d_model={cfg.d_model} heads={cfg.heads} blocks={cfg.blocks} ffn={cfg.ffn} "
        f"receptive_field={cfg.receptive_field} joints {cfg.num_joints_in}->{cfg.num_joints_out} "
        f"share_attention={cfg.share_attention} causal={cfg.causal} head={cfg.head}"
    )
    print(f"parameters: {params:,} ({params / 1e6:.2f}M)")
    if cfg.head == "centre":
        print(f"cost: {macs / 1e6:.1f} MMAC per output frame (one window)")
    else:
        print(
            f"cost: {macs_per_frame(cfg) / 1e6:.1f} MMAC per output frame "
            f"({macs / 1e6:.1f} MMAC per window of {cfg.receptive_field} frames, stride {cfg.receptive_field})"
        )
    return 0
