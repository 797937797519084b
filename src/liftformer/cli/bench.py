"""``liftformer bench``: measure model throughput on this machine."""

from __future__ import annotations

import argparse

import torch

from liftformer.benchmark import gflops, hardware_description, measure_model
from liftformer.cli.info import add_model_arguments, config_from_args


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("bench", help="measure training and inference throughput (windows/s)")
    add_model_arguments(p)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--repeats", type=int, default=5, help="timed runs; the median is reported")
    p.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--bf16", action="store_true", help="bf16 autocast")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.threads:
        torch.set_num_threads(args.threads)
    cfg = config_from_args(args)
    dtype = "bf16 autocast" if args.bf16 else "fp32"
    print(f"hardware: {hardware_description()}")
    print(
        f"model: d_model={cfg.d_model} heads={cfg.heads} blocks={cfg.blocks} ffn={cfg.ffn} "
        f"n={cfg.receptive_field} share_attention={cfg.share_attention}; batch {args.batch_size}; {dtype}; "
        f"median of {args.repeats} runs"
    )
    results = measure_model(
        cfg, args.batch_size, args.repeats, args.device, torch.bfloat16 if args.bf16 else None
    )
    print(f"{'workload':28s} {'windows/s':>10s} {'(min-max)':>16s} {'GFLOP/s':>8s}")
    for m, training in zip(results, (True, False)):
        lo, hi = m.spread
        rate = m.median_rate
        print(f"{m.name:28s} {rate:10.1f} {f'({lo:.1f}-{hi:.1f})':>16s} {gflops(cfg, rate, training):8.1f}")
    return 0
