"""``liftformer info``: describe a model configuration (parameters, cost)."""

from __future__ import annotations

import argparse

from liftformer.model import LiftFormerConfig, ModelConfig, TCNConfig, build_model
from liftformer.model.flops import macs_per_frame, macs_per_window
from liftformer.model.liftformer import HEADS
from liftformer.model.registry import ARCHS
from liftformer.model.tcn import default_filter_widths


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags that define a model's shape (shared by info, train, export, bench)."""
    d, t = LiftFormerConfig(), TCNConfig()
    g = parser.add_argument_group("model")
    g.add_argument("--arch", choices=tuple(ARCHS), default="liftformer",
                   help="liftformer (the paper) or tcn (VideoPose3D's dilated temporal convolutions, a baseline)")
    g.add_argument("--receptive-field", "-n", type=int, default=d.receptive_field, help="odd window length N (27/81/243)")
    g.add_argument("--d-model", type=int, default=d.d_model, help="embedding width")
    g.add_argument("--heads", type=int, default=d.heads, help="attention heads")
    g.add_argument("--blocks", type=int, default=d.blocks, help="encoder blocks")
    g.add_argument("--ffn", type=int, default=d.ffn, help="feed-forward width")
    g.add_argument("--dropout", type=float, default=None, help=f"default: {d.dropout} (liftformer), {t.dropout} (tcn)")
    g.add_argument("--share-attention", action="store_true", help="one attention module for all blocks (ALBERT style)")
    g.add_argument("--causal", action="store_true", help="past-only window, predict its last frame")
    g.add_argument(
        "--head", choices=HEADS, default=d.head,
        help="centre: predict the window's target frame (paper); sequence: every window frame (liftformer only)",
    )
    g.add_argument("--channels", type=int, default=t.channels, help="tcn: convolution channels")
    g.add_argument("--filter-widths", default=None,
                   help="tcn: comma-separated widths (default: 3s whose product is N, e.g. 3,3,3 for 27)")
    g.add_argument("--joints-in", type=int, default=d.num_joints_in, help="2D input joints")
    g.add_argument("--joints-out", type=int, default=d.num_joints_out, help="3D output joints")


def config_from_args(args: argparse.Namespace) -> ModelConfig:
    """The model config the flags describe; ``ValueError`` names the inconsistent flag."""
    if args.arch == "tcn":
        if args.head != "centre" or args.share_attention:
            raise ValueError("--head sequence and --share-attention apply to --arch liftformer only")
        widths = (
            tuple(int(w) for w in args.filter_widths.split(","))
            if args.filter_widths else default_filter_widths(args.receptive_field)
        )
        cfg = TCNConfig(
            num_joints_in=args.joints_in, num_joints_out=args.joints_out, filter_widths=widths,
            channels=args.channels, dropout=TCNConfig.dropout if args.dropout is None else args.dropout,
            causal=args.causal,
        )
        if args.filter_widths and cfg.receptive_field != args.receptive_field:
            print(f"note: --filter-widths {args.filter_widths} give a receptive field of {cfg.receptive_field}")
        return cfg
    return LiftFormerConfig(
        num_joints_in=args.joints_in,
        num_joints_out=args.joints_out,
        receptive_field=args.receptive_field,
        d_model=args.d_model,
        heads=args.heads,
        blocks=args.blocks,
        ffn=args.ffn,
        dropout=LiftFormerConfig.dropout if args.dropout is None else args.dropout,
        share_attention=args.share_attention,
        causal=args.causal,
        head=args.head,
    )


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("info", help="print a model configuration's parameter count and cost")
    add_model_arguments(p)
    p.set_defaults(func=run)


def describe(cfg: ModelConfig) -> str:
    """One line naming the architecture and every shape-defining setting."""
    if isinstance(cfg, TCNConfig):
        return (
            f"TCN channels={cfg.channels} filter_widths={','.join(map(str, cfg.filter_widths))} "
            f"receptive_field={cfg.receptive_field} joints {cfg.num_joints_in}->{cfg.num_joints_out} causal={cfg.causal}"
        )
    return (
        f"LiftFormer d_model={cfg.d_model} heads={cfg.heads} blocks={cfg.blocks} ffn={cfg.ffn} "
        f"receptive_field={cfg.receptive_field} joints {cfg.num_joints_in}->{cfg.num_joints_out} "
        f"share_attention={cfg.share_attention} causal={cfg.causal} head={cfg.head}"
    )


def run(args: argparse.Namespace) -> int:
    cfg = config_from_args(args)
    params = build_model(cfg).num_parameters()
    print(describe(cfg))
    print(f"parameters: {params:,} ({params / 1e6:.2f}M)")
    if cfg.head == "centre":
        print(f"cost: {macs_per_window(cfg) / 1e6:.1f} MMAC per output frame (one window)")
        if isinstance(cfg, TCNConfig):
            print(f"cost over a long sequence: {macs_per_frame(cfg) / 1e6:.1f} MMAC per output frame (dilated, one pass)")
    else:
        print(
            f"cost: {macs_per_frame(cfg) / 1e6:.1f} MMAC per output frame "
            f"({macs_per_window(cfg) / 1e6:.1f} MMAC per window of {cfg.receptive_field} frames, stride {cfg.receptive_field})"
        )
    return 0
