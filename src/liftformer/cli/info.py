"""``liftformer info``: describe a model configuration (parameters, cost)."""

from __future__ import annotations

import argparse

from liftformer.cli.model_args import add_model_arguments, config_from_args
from liftformer.model import build_model


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("info", help="print a model configuration's parameter count and cost")
    add_model_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    cfg = config_from_args(args)
    params = build_model(cfg).num_parameters()
    print(cfg.describe())
    print(f"parameters: {params:,} ({params / 1e6:.2f}M)")
    print(cfg.cost_summary())
    return 0
